package dev.mlcp.experiments;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** BigQuery discovery and queries ({@code mlcp.experiments.warehouse.*}). */
@ConfigMapping(prefix = "mlcp.experiments.warehouse")
public interface WarehouseConfig {

  /** Dataset query results go to (it must exist; give it a default table expiration). */
  @WithDefault("mlcp_scratch")
  String queryDataset();

  /**
   * Most bytes one query may bill (BigQuery {@code maximumBytesBilled}); the dry run is checked.
   */
  @WithDefault("10737418240")
  long maxBytesBilled();

  /** On-demand price per TiB scanned, for the dry run's cost estimate. */
  @WithDefault("6.25")
  double usdPerTib();

  /** Most rows a preview returns. */
  @WithDefault("100")
  int maxPreviewRows();

  /** Largest page of query results. */
  @WithDefault("500")
  int maxPageSize();

  /** Longest SQL text accepted, in characters. */
  @WithDefault("100000")
  int maxSqlLength();

  /** Load the sample dataset ({@code samples}) at start when missing (local mode). */
  @WithDefault("false")
  boolean loadSample();
}
