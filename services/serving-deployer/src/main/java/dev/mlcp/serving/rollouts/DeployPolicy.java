package dev.mlcp.serving.rollouts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who may change what serves (seed 004: "Service revision deployments can only happen via a service
 * account through a manual CI trigger"): the configured deployer identities (the CI/CD service
 * account) and admins through REST; through Pub/Sub only the configured publishers ({@code
 * ce-source}); and the auto-deploy policy, which follows a model's alias per service.
 */
public final class DeployPolicy {
  private final Set<String> deployers;
  private final List<String> exactSources = new ArrayList<>();
  private final List<String> sourcePrefixes = new ArrayList<>();
  private final Map<String, List<String>> follows = new LinkedHashMap<>();

  /**
   * @param deployers emails allowed to deploy through REST (besides admins)
   * @param requestSources {@code ce-source} values allowed to publish {@code deploy-requests}; a
   *     trailing {@code *} is a prefix
   * @param autoDeploy {@code service=model@alias} entries
   * @throws IllegalArgumentException naming a malformed entry
   */
  public DeployPolicy(
      List<String> deployers, List<String> requestSources, List<String> autoDeploy) {
    this.deployers =
        Set.copyOf(deployers.stream().map(d -> d.trim().toLowerCase(Locale.ROOT)).toList());
    for (String s : requestSources) {
      if (s.isBlank()) {
        continue;
      }
      if (s.endsWith("*")) {
        sourcePrefixes.add(s.substring(0, s.length() - 1));
      } else {
        exactSources.add(s);
      }
    }
    for (String entry : autoDeploy) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      int at = entry.lastIndexOf('@');
      if (eq <= 0 || at <= eq + 1 || at == entry.length() - 1) {
        throw new IllegalArgumentException(
            "mlcp.serving.auto-deploy entry '" + entry + "' must be service=model@alias");
      }
      follows
          .computeIfAbsent(entry.substring(eq + 1).trim(), k -> new ArrayList<>())
          .add(entry.substring(0, eq).trim());
    }
  }

  /** Whether a REST caller may deploy, move traffic, roll back, approve, abort or delete. */
  public boolean mayDeploy(String email, boolean admin) {
    return admin || (email != null && deployers.contains(email.toLowerCase(Locale.ROOT)));
  }

  /** Whether a {@code deploy-requests} message from {@code source} is believed. */
  public boolean trustsSource(String source) {
    if (source == null) {
      return false;
    }
    return exactSources.contains(source) || sourcePrefixes.stream().anyMatch(source::startsWith);
  }

  /** The services following {@code model@alias}. */
  public List<String> followers(String model, String alias) {
    return follows.getOrDefault(model + "@" + alias, List.of());
  }

  /** How a developer deploys instead: the message of a refused call. */
  public static String howToDeploy() {
    return "Service revisions are deployed only by the CI/CD service account: run the Cloud Build"
        + " trigger 'mlcp-serve' (infra/cloudbuild/serve.yaml), which publishes a"
        + " dev.mlcp.deploy.requested.v1 message on deploy-requests (gcloud pubsub topics publish"
        + " deploy-requests …, see the serving-deployer README). To try a revision yourself, use"
        + " local mode: infra/local/mlcp up.";
  }
}
