package dev.mlcp.platform.secrets;

/** Lifecycle state of one secret version. */
public enum SecretVersionState {
  /** Can be accessed. */
  ENABLED,
  /** Kept but cannot be accessed until enabled again. */
  DISABLED,
  /** Value gone for good. */
  DESTROYED
}
