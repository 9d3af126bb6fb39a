package dev.mlcp.platform.instances;

import java.util.Locale;

/** VM lifecycle state (GCE's). */
public enum InstanceStatus {
  /** Resources are being allocated. */
  PROVISIONING,
  /** Resources acquired, booting. */
  STAGING,
  /** Booted (the agent is running). */
  RUNNING,
  /** Being stopped. */
  STOPPING,
  /** Stopped (instance kept). */
  STOPPED,
  /** Being suspended. */
  SUSPENDING,
  /** Suspended. */
  SUSPENDED,
  /** Being repaired by the platform. */
  REPAIRING,
  /** Shut down (exited, preempted or stopped). */
  TERMINATED,
  /** A state this code does not know. */
  UNKNOWN;

  /** Parses GCE's status string; unknown values become {@link #UNKNOWN}. */
  public static InstanceStatus parse(String value) {
    if (value == null) {
      return UNKNOWN;
    }
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return UNKNOWN;
    }
  }
}
