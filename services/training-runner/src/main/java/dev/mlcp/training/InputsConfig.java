package dev.mlcp.training;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How run inputs are resolved at submit ({@code mlcp.training.inputs.*}). */
@ConfigMapping(prefix = "mlcp.training.inputs")
public interface InputsConfig {

  /** artifact-writer's URL, for {@code models:/…} inputs; unset: such inputs are refused. */
  Optional<String> registryUrl();

  /** Audience of the ID token sent to the registry; the registry URL when unset. */
  Optional<String> registryAudience();

  /**
   * Local mode: the directory of the local signing key ({@code $MLCP_HOME/auth}); tokens for the
   * registry are minted with it instead of asked from the metadata server.
   */
  Optional<String> registryLocalKeyDir();

  /** Local mode: the identity the minted tokens carry (one of the registry's readers). */
  @WithDefault("training-runner@mlcp.local")
  String registryLocalIdentity();

  /** The metadata server ID tokens come from (Cloud Run). */
  @WithDefault("http://metadata.google.internal/computeMetadata/v1")
  String metadataUrl();

  /**
   * Who may read which inputs: {@code SOURCE-PREFIX=principal|principal} (email, {@code *@domain}
   * or {@code *}); unset: any input the training VM can read.
   */
  Optional<List<String>> grants();

  /** Bytes a BigQuery query input may scan (dry run at submit) and bill (the export job). */
  @WithDefault("107374182400")
  long maxBytesBilled();

  /** Staleness bound of the snapshot Spanner inputs are read at. */
  @WithDefault("15s")
  Duration spannerMaxStaleness();

  /** Files a model version input may have (each is listed in the VM's metadata). */
  @WithDefault("1000")
  int maxModelFiles();
}
