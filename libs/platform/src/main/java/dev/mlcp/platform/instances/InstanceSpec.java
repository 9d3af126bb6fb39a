package dev.mlcp.platform.instances;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What VM to create.
 *
 * @param name instance name (GCE rules: {@code [a-z]([-a-z0-9]{0,61}[a-z0-9])?})
 * @param zones zones to try, in order; the next one is tried only when a zone is exhausted
 * @param machineType machine type, e.g. {@code g2-standard-8}
 * @param accelerators GPUs, may be empty
 * @param bootDisk boot disk
 * @param spot Spot (preemptible) provisioning instead of on-demand
 * @param labels labels (e.g. {@code mlcp-run}, {@code mlcp-owner})
 * @param metadata metadata items, including {@code startup-script}
 * @param serviceAccount identity of the VM, null for none
 * @param maxRunDuration hard limit after which the platform deletes the VM; null for none
 * @param externalIp whether to give the VM an external IP
 */
public record InstanceSpec(
    String name,
    List<String> zones,
    String machineType,
    List<Accelerator> accelerators,
    BootDisk bootDisk,
    boolean spot,
    Map<String, String> labels,
    Map<String, String> metadata,
    ServiceAccount serviceAccount,
    Duration maxRunDuration,
    boolean externalIp) {

  /**
   * The metadata key that lets the VM write guest attributes ({@code TRUE}); without it GCE refuses
   * the VM's writes to {@code instance/guest-attributes/} and so does the local adapter.
   */
  public static final String ENABLE_GUEST_ATTRIBUTES = "enable-guest-attributes";

  /** Validates names and labels against GCE rules and copies the collections. */
  public InstanceSpec {
    if (!GceNames.isValidName(name)) {
      throw new IllegalArgumentException("invalid instance name: " + name);
    }
    if (zones == null || zones.isEmpty()) {
      throw new IllegalArgumentException("at least one zone is required");
    }
    if (machineType == null || machineType.isBlank()) {
      throw new IllegalArgumentException("machine type is required");
    }
    zones = List.copyOf(zones);
    accelerators = accelerators == null ? List.of() : List.copyOf(accelerators);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    labels.forEach(
        (k, v) -> {
          if (!GceNames.isValidLabelKey(k) || !GceNames.isValidLabelValue(v)) {
            throw new IllegalArgumentException("invalid label " + k + "=" + v);
          }
        });
    if (maxRunDuration != null && (maxRunDuration.isNegative() || maxRunDuration.isZero())) {
      throw new IllegalArgumentException("maxRunDuration must be positive");
    }
  }

  /** Whether the VM may write guest attributes ({@link #ENABLE_GUEST_ATTRIBUTES} is TRUE). */
  public boolean guestAttributesEnabled() {
    return "TRUE".equalsIgnoreCase(metadata.get(ENABLE_GUEST_ATTRIBUTES));
  }

  /** Whether {@code name} is a valid GCE resource name. */
  public static boolean isValidName(String name) {
    return GceNames.isValidName(name);
  }
}
