package dev.mlcp.platform.secrets;

import java.time.Instant;
import java.util.Map;

/**
 * A secret's description, never its value.
 *
 * @param name short secret id (e.g. {@code hf-token})
 * @param labels labels on the secret
 * @param created creation time
 */
public record SecretInfo(String name, Map<String, String> labels, Instant created) {
  /** Copies the labels. */
  public SecretInfo {
    labels = Map.copyOf(labels);
  }
}
