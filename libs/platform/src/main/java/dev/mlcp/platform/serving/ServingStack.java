package dev.mlcp.platform.serving;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Model revisions behind one stable address, by intent: make a revision exist, tell whether it is
 * healthy, split traffic between revisions, delete a revision. A Compute Engine adapter builds an
 * instance template, a regional managed instance group, an autoscaler, a health check and a backend
 * service per revision behind a weighted URL map; a Cloud Run adapter makes a tagged revision of a
 * Cloud Run service; the local adapter starts processes behind a weighted proxy on one port.
 *
 * <p>Every call is idempotent: names derive from the service and revision ({@link ServingNames}), a
 * create that finds its resource already there counts as done, a delete of something gone is a
 * no-op. A caller killed between any two calls resumes by calling again. The rollout's state
 * machine stays in the caller.
 */
public interface ServingStack extends AutoCloseable {

  /** Where revisions run. */
  enum Target {
    /** A Compute Engine stack (MIG per revision behind a weighted URL map). */
    GCE,
    /** Cloud Run revisions with traffic split by percent. */
    CLOUD_RUN;

    /** {@code gce}, {@code cloudrun} or {@code cloud-run}, any case. */
    public static Target parse(String text) {
      String t = text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT);
      return switch (t) {
        case "gce", "compute", "compute-engine" -> GCE;
        case "cloudrun", "cloud-run", "run" -> CLOUD_RUN;
        default ->
            throw new IllegalArgumentException(
                "target must be gce or cloudrun, was '" + text + "'");
      };
    }

    /** The name used in APIs and events. */
    public String id() {
      return this == GCE ? "gce" : "cloudrun";
    }
  }

  /**
   * One revision: a model-server container serving one model version.
   *
   * @param service the serving service (stable address), a GCE name
   * @param revision the revision id within the service, e.g. {@code r3}
   * @param image the model-server container image
   * @param modelUri the registry prefix of the model version ({@code gs://…/}), ends with /
   * @param modelSha256 the SHA-256 of the version's manifest (its identity); instances refuse a
   *     model whose manifest differs
   * @param machineType GCE machine type (ignored by Cloud Run)
   * @param minReplicas lower bound of the autoscaler
   * @param maxReplicas upper bound of the autoscaler
   * @param cpuTarget target CPU utilisation 0..1
   * @param healthPath HTTP path probed, e.g. {@code /healthz}
   * @param port the container's port
   * @param serviceAccount identity of the instances (null: the adapter's default)
   * @param env extra environment of the container
   * @param metadata extra instance metadata (e.g. the GCE {@code startup-script}); ignored by Cloud
   *     Run
   * @param labels labels of what is created
   */
  record RevisionSpec(
      String service,
      String revision,
      String image,
      String modelUri,
      String modelSha256,
      String machineType,
      int minReplicas,
      int maxReplicas,
      double cpuTarget,
      String healthPath,
      int port,
      String serviceAccount,
      Map<String, String> env,
      Map<String, String> metadata,
      Map<String, String> labels) {
    /** Copies and checks the bounds. */
    public RevisionSpec {
      env = env == null ? Map.of() : Map.copyOf(env);
      metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      if (minReplicas < 1 || maxReplicas < minReplicas) {
        throw new IllegalArgumentException(
            "replicas need 1 <= min <= max, were " + minReplicas + ".." + maxReplicas);
      }
      if (!(cpuTarget > 0 && cpuTarget <= 1)) {
        throw new IllegalArgumentException("cpuTarget must be in (0, 1], was " + cpuTarget);
      }
    }

    /**
     * The metadata every serving instance reads (infra/vm/README.md, serving mode): the mode, the
     * image, the model and its digest, the port and where it belongs.
     */
    public Map<String, String> servingMetadata() {
      Map<String, String> m = new java.util.TreeMap<>(metadata);
      m.put("mlcp-mode", "serving");
      m.put("mlcp-service", service);
      m.put("mlcp-revision", revision);
      m.put("mlcp-image", image);
      m.put("mlcp-model-uri", modelUri);
      m.put("mlcp-model-sha256", modelSha256);
      m.put("mlcp-port", Integer.toString(port));
      if (!env.isEmpty()) {
        m.put("mlcp-env", envJson(env));
      }
      return m;
    }

    private static String envJson(Map<String, String> env) {
      StringBuilder b = new StringBuilder("{");
      new java.util.TreeMap<>(env)
          .forEach(
              (k, v) -> {
                if (b.length() > 1) {
                  b.append(',');
                }
                b.append(quote(k)).append(':').append(quote(v));
              });
      return b.append('}').toString();
    }

    private static String quote(String s) {
      StringBuilder b = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      return b.append('"').toString();
    }
  }

  /**
   * Health of a revision's instances as the load balancer (or Cloud Run) sees them.
   *
   * @param exists whether the revision exists at all
   * @param instances instances (or Cloud Run's single readiness) seen
   * @param healthy how many of them are healthy
   * @param detail why not healthy, in words (null when healthy)
   */
  record RevisionHealth(boolean exists, int instances, int healthy, String detail) {
    /** Exists, has instances and every one is healthy. */
    public boolean allHealthy() {
      return exists && instances > 0 && healthy == instances;
    }
  }

  /**
   * The traffic split of a service.
   *
   * @param percents revision → percent, summing to 100 (empty before the first split)
   * @param fingerprint the version read; pass it back to {@link #setTraffic}
   * @param url where the service answers (null when not known)
   */
  record Traffic(Map<String, Integer> percents, String fingerprint, String url) {
    /** Copies, keeping the order. */
    public Traffic {
      percents =
          percents == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(percents));
    }

    /** The share of {@code revision}, 0 when absent. */
    public int percentOf(String revision) {
      return percents.getOrDefault(revision, 0);
    }
  }

  /** Which target this stack serves. */
  Target target();

  /**
   * Makes the revision exist with all its parts, creating only what is missing. On a failure that
   * leaves a partial stack (quota exhausted after some resources exist), what was created is
   * deleted before the failure is thrown.
   *
   * @param progress told each step's name as it completes (e.g. {@code template-created})
   * @throws dev.mlcp.platform.PlatformException QUOTA_EXCEEDED, INVALID_ARGUMENT, TRANSIENT, ...
   */
  void ensureRevision(RevisionSpec spec, Consumer<String> progress);

  /** Health of the revision's instances. */
  RevisionHealth revisionHealth(String service, String revision);

  /** The current split (empty percents when the service has none yet). */
  Traffic traffic(String service);

  /**
   * Sends {@code percents} of the traffic to each revision if the split is still at {@code
   * fingerprint}; creates the routing on the first call (fingerprint null).
   *
   * @param percents revision → percent, summing to 100; revisions must exist
   * @return the split after the change
   * @throws dev.mlcp.platform.PlatformException CONFLICT when the fingerprint is stale (re-read and
   *     retry), INVALID_ARGUMENT when the percents do not sum to 100
   */
  Traffic setTraffic(String service, Map<String, Integer> percents, String fingerprint);

  /**
   * Deletes a revision and all its parts in dependency order (its zero-weight reference in the
   * routing first). A revision that still receives traffic is not deleted.
   *
   * @param progress told each step's name as it completes
   * @return false when nothing of it existed
   * @throws dev.mlcp.platform.PlatformException CONFLICT when it still receives traffic
   */
  boolean deleteRevision(String service, String revision, Consumer<String> progress);

  /** Checks a split: every percent 0..100 and the sum 100. */
  static void checkPercents(Map<String, Integer> percents) {
    int sum = 0;
    for (Map.Entry<String, Integer> e : percents.entrySet()) {
      if (e.getValue() == null || e.getValue() < 0 || e.getValue() > 100) {
        throw dev.mlcp.platform.PlatformException.invalid(
            "traffic percent of " + e.getKey() + " must be 0..100, was " + e.getValue());
      }
      sum += e.getValue();
    }
    if (sum != 100) {
      throw dev.mlcp.platform.PlatformException.invalid(
          "traffic percents must sum to 100, sum to " + sum + ": " + percents);
    }
  }

  /** Releases clients and processes' handles; the default does nothing. */
  @Override
  default void close() {}
}
