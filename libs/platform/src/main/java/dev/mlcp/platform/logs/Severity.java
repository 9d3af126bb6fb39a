package dev.mlcp.platform.logs;

/** Log severity, the Cloud Logging scale. */
public enum Severity {
  /** No severity given. */
  DEFAULT,
  /** Debug or trace information. */
  DEBUG,
  /** Routine information. */
  INFO,
  /** Normal but significant events. */
  NOTICE,
  /** Might cause problems. */
  WARNING,
  /** Likely to cause problems. */
  ERROR,
  /** Severe problems or brief outages. */
  CRITICAL,
  /** Someone must act immediately. */
  ALERT,
  /** One or more systems are unusable. */
  EMERGENCY
}
