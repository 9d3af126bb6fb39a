package dev.mlcp.platform.secrets;

import java.time.Instant;
import java.util.Map;

/**
 * A secret's description, never its value.
 *
 * @param name short secret id (e.g. {@code hf-token})
 * @param labels labels on the secret
 * @param annotations annotations on the secret (free-form values: owner and reader emails)
 * @param created creation time
 */
public record SecretInfo(
    String name, Map<String, String> labels, Map<String, String> annotations, Instant created) {
  /** Copies the maps. */
  public SecretInfo {
    labels = Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }
}
