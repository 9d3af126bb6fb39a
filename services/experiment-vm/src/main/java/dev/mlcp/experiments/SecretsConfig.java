package dev.mlcp.experiments;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The secrets API ({@code mlcp.experiments.secrets.*}). */
@ConfigMapping(prefix = "mlcp.experiments.secrets")
public interface SecretsConfig {

  /** Largest secret value in bytes (Secret Manager allows 64 KiB). */
  @WithDefault("65536")
  int maxValueBytes();

  /** Most readers one secret may list. */
  @WithDefault("50")
  int maxReaders();

  /** Largest page of a secret's access audit. */
  @WithDefault("200")
  int maxPageSize();
}
