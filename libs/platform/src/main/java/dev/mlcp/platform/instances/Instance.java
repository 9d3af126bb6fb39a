package dev.mlcp.platform.instances;

import java.time.Instant;
import java.util.Map;

/**
 * A VM as the platform reports it.
 *
 * @param name instance name
 * @param zone zone it runs in
 * @param status lifecycle state
 * @param machineType machine type (short name)
 * @param spot whether it is a Spot VM
 * @param labels its labels
 * @param networkIp internal IP, null before one is assigned
 * @param externalIp external IP, null when it has none
 * @param created creation time, null when unknown
 */
public record Instance(
    String name,
    String zone,
    InstanceStatus status,
    String machineType,
    boolean spot,
    Map<String, String> labels,
    String networkIp,
    String externalIp,
    Instant created) {
  /** Copies the labels. */
  public Instance {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
