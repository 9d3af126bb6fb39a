package dev.mlcp.serving.rollouts;

import dev.mlcp.platform.serving.ServingNames;
import dev.mlcp.platform.serving.ServingStack;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The limits of a deploy request, the same for REST and Pub/Sub: names GCE and the registry accept,
 * bounded sizes, a canary plan that ends at 100 %. Each violation names its field.
 */
public final class DeployRules {
  static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}");
  static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  static final Pattern MACHINE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  static final Pattern ENV = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~/-]{0,199}");
  static final int MAX_OPENAPI = 256 * 1024;

  private DeployRules() {}

  /**
   * Fills defaults and checks a request.
   *
   * @throws DeployException INVALID naming the first bad field
   */
  public static DeploySpec check(DeploySpec s, List<String> allowedImages) {
    if (!ServingNames.validService(s.service())) {
      throw DeployException.invalid(
          "service",
          "must be a GCE name of at most "
              + ServingNames.MAX_SERVICE
              + " characters ([a-z][-a-z0-9]*)");
    }
    String target;
    try {
      target = ServingStack.Target.parse(s.target() == null ? "gce" : s.target()).id();
    } catch (IllegalArgumentException e) {
      throw DeployException.invalid("target", "must be gce or cloudrun");
    }
    if (s.image() == null || !IMAGE.matcher(s.image()).matches()) {
      throw DeployException.invalid("image", "must be a container image reference");
    }
    if (!allowedImages.isEmpty()
        && allowedImages.stream().noneMatch(p -> s.image().startsWith(p))) {
      throw DeployException.invalid(
          "image", "must start with one of the allowed prefixes " + allowedImages);
    }
    if (s.model() == null || !MODEL.matcher(s.model()).matches()) {
      throw DeployException.invalid("model", "must be a registry model name");
    }
    if (s.version() == null && s.alias() == null) {
      throw DeployException.invalid("version", "give a version or an alias");
    }
    if (s.version() != null && !MODEL.matcher(s.version()).matches()) {
      throw DeployException.invalid("version", "must be a registry version");
    }
    if (s.alias() != null && !MODEL.matcher(s.alias()).matches()) {
      throw DeployException.invalid("alias", "must be a registry alias");
    }
    if (s.expectedSha256() != null && !SHA256.matcher(s.expectedSha256()).matches()) {
      throw DeployException.invalid("sha256", "must be 64 lower-case hex digits");
    }
    String machine = s.machineType() == null ? "e2-standard-2" : s.machineType();
    if (!MACHINE.matcher(machine).matches()) {
      throw DeployException.invalid("machineType", "must be a GCE machine type");
    }
    int min = s.minReplicas() == 0 ? 1 : s.minReplicas();
    int max = s.maxReplicas() == 0 ? Math.max(min, 3) : s.maxReplicas();
    if (min < 1 || min > 50) {
      throw DeployException.invalid("minReplicas", "must be 1..50");
    }
    if (max < min || max > 100) {
      throw DeployException.invalid("maxReplicas", "must be minReplicas..100");
    }
    double cpu = s.cpuTarget() == 0 ? 0.6 : s.cpuTarget();
    if (cpu < 0.05 || cpu > 1) {
      throw DeployException.invalid("cpuTarget", "must be 0.05..1");
    }
    String health = s.healthPath() == null ? "/healthz" : s.healthPath();
    if (!PATH.matcher(health).matches()) {
      throw DeployException.invalid("healthPath", "must be an absolute URL path");
    }
    int port = s.port() == 0 ? 8080 : s.port();
    if (port < 1 || port > 65535) {
      throw DeployException.invalid("port", "must be 1..65535");
    }
    if (s.env().size() > 50) {
      throw DeployException.invalid("env", "at most 50 variables");
    }
    for (Map.Entry<String, String> e : s.env().entrySet()) {
      if (!ENV.matcher(e.getKey()).matches() || e.getKey().startsWith("MLCP_MODEL")) {
        throw DeployException.invalid("env." + e.getKey(), "not a usable variable name");
      }
      if (e.getValue() == null || e.getValue().length() > 4096 || e.getValue().contains("\n")) {
        throw DeployException.invalid("env." + e.getKey(), "value of at most 4096 chars, one line");
      }
    }
    String strategy = s.strategy() == null ? "canary" : s.strategy();
    if (!strategy.equals("canary") && !strategy.equals("direct")) {
      throw DeployException.invalid("strategy", "must be direct or canary");
    }
    List<Integer> steps = s.steps().isEmpty() ? List.of(10, 50, 100) : s.steps();
    if (strategy.equals("canary")) {
      if (steps.size() > 10) {
        throw DeployException.invalid("steps", "at most 10 steps");
      }
      int last = 0;
      for (Integer p : steps) {
        if (p == null || p <= last || p > 100) {
          throw DeployException.invalid("steps", "must be ascending percents in 1..100");
        }
        last = p;
      }
      if (last != 100) {
        throw DeployException.invalid("steps", "must end at 100");
      }
    }
    if (s.bakeSeconds() < 0 || s.bakeSeconds() > 86_400) {
      throw DeployException.invalid("bakeSeconds", "must be 0..86400");
    }
    if (s.openapi() != null) {
      if (s.openapi().length() > MAX_OPENAPI) {
        throw DeployException.invalid("openapi", "at most " + MAX_OPENAPI + " characters");
      }
      if (s.endpointsService() == null || !s.endpointsService().matches("[a-z0-9.-]{1,253}")) {
        throw DeployException.invalid(
            "endpointsService", "an openapi document needs its Endpoints service name");
      }
    }
    return new DeploySpec(
        s.service(),
        target,
        s.image(),
        s.model(),
        s.version(),
        s.version() == null ? s.alias() : null,
        s.expectedSha256(),
        machine,
        min,
        max,
        cpu,
        health,
        port,
        s.env(),
        strategy,
        strategy.equals("canary") ? steps : List.of(100),
        s.bakeSeconds() == 0 && strategy.equals("canary") ? 60 : s.bakeSeconds(),
        s.requireApproval(),
        s.openapi(),
        s.endpointsService());
  }
}
