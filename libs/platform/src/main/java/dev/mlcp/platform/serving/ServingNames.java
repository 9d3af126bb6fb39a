package dev.mlcp.platform.serving;

import dev.mlcp.platform.instances.GceNames;

/**
 * The deterministic names of a revision's parts: {@code <service>-<revision>-<part>}, so a retried
 * or resumed step finds what an earlier attempt created instead of making a second one.
 */
public final class ServingNames {
  /** Longest service name: leaves room for {@code -r12345-tpl} within GCE's 63 characters. */
  public static final int MAX_SERVICE = 40;

  /** Longest revision id. */
  public static final int MAX_REVISION = 12;

  private ServingNames() {}

  /** Whether {@code service} can name a serving service. */
  public static boolean validService(String service) {
    return service != null && service.length() <= MAX_SERVICE && GceNames.isValidName(service);
  }

  /** Whether {@code revision} can name a revision ({@code r<n>} or another short GCE name). */
  public static boolean validRevision(String revision) {
    return revision != null
        && revision.length() <= MAX_REVISION
        && revision.matches("[a-z][a-z0-9]*");
  }

  /** The instance template. */
  public static String template(String service, String revision) {
    return part(service, revision, "tpl");
  }

  /** The regional managed instance group. */
  public static String group(String service, String revision) {
    return part(service, revision, "mig");
  }

  /** The autoscaler. */
  public static String autoscaler(String service, String revision) {
    return part(service, revision, "as");
  }

  /** The HTTP health check. */
  public static String healthCheck(String service, String revision) {
    return part(service, revision, "hc");
  }

  /** The backend service. */
  public static String backendService(String service, String revision) {
    return part(service, revision, "bs");
  }

  /** The URL map of the service (one per service, shared by its revisions). */
  public static String urlMap(String service) {
    return service + "-um";
  }

  /** The Cloud Run revision name ({@code <service>-<revision>}, Cloud Run's required prefix). */
  public static String runRevision(String service, String revision) {
    return service + "-" + revision;
  }

  /** The revision id of a backend service name of {@code service}, or null. */
  public static String revisionOfBackend(String service, String backendService) {
    String prefix = service + "-";
    if (!backendService.startsWith(prefix) || !backendService.endsWith("-bs")) {
      return null;
    }
    String r = backendService.substring(prefix.length(), backendService.length() - 3);
    return validRevision(r) ? r : null;
  }

  private static String part(String service, String revision, String suffix) {
    if (!validService(service)) {
      throw new IllegalArgumentException("not a serving service name: " + service);
    }
    if (!validRevision(revision)) {
      throw new IllegalArgumentException("not a revision id: " + revision);
    }
    return service + "-" + revision + "-" + suffix;
  }
}
