package dev.mlcp.experiments;

import dev.mlcp.experiments.data.SampleDataset;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.warehouse.Warehouse;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Loads the sample dataset into the warehouse at start when {@code
 * mlcp.experiments.warehouse.load-sample} is set (the local launcher sets it), so the README's
 * queries return rows. Several local services share the DuckDB file, which one process writes at a
 * time: a busy file is retried for a while, and a failure is logged, not fatal.
 */
@ApplicationScoped
public class SampleDataLoader {
  private static final Logger LOG = Logger.getLogger(SampleDataLoader.class);

  void onStart(@Observes StartupEvent event, WarehouseConfig config, Warehouse warehouse) {
    if (!config.loadSample()) {
      return;
    }
    for (int attempt = 1; attempt <= 20; attempt++) {
      try {
        if (SampleDataset.loadIfMissing(warehouse, config.queryDataset())) {
          LOG.infof(
              "loaded the sample dataset %s and the scratch dataset %s",
              SampleDataset.CUSTOMERS, config.queryDataset());
        }
        return;
      } catch (PlatformException e) {
        if (!SampleDataset.busy(e) || attempt == 20) {
          LOG.warnf("the sample dataset was not loaded: %s", e.getMessage());
          return;
        }
        try {
          Thread.sleep(250L * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
