package dev.mlcp.registry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;

/** Where the registry's rows go and how runs are priced ({@code mlcp.registry.analytics.*}). */
@ConfigMapping(prefix = "mlcp.registry.analytics")
public interface AnalyticsConfig {

  /** The warehouse dataset of the tables (created when missing). */
  @WithDefault("mlcp_registry")
  String dataset();

  /** USD per hour by machine type, e.g. {@code machine-prices.n1-standard-4=0.19}. */
  Map<String, Double> machinePrices();

  /** USD per hour of one accelerator by type, e.g. {@code accelerator-prices.nvidia-l4=0.56}. */
  Map<String, Double> acceleratorPrices();

  /** Spot price relative to on-demand. */
  @WithDefault("0.35")
  double spotFactor();
}
