package dev.mlcp.experiments;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Browsing and downloading artifacts ({@code mlcp.experiments.artifacts.*}). */
@ConfigMapping(prefix = "mlcp.experiments.artifacts")
public interface ArtifactsConfig {

  /** The artifacts bucket (and prefix) users browse, e.g. {@code gs://my-artifacts}. */
  String uri();

  /** How long a signed download URL stays valid. */
  @WithDefault("PT15M")
  Duration urlValidity();

  /** Largest page of a listing. */
  @WithDefault("1000")
  int maxPageSize();
}
