package dev.mlcp.experiments;

import dev.mlcp.experiments.operational.OperationalBrowser;
import dev.mlcp.platform.config.OperationalDataConfig;
import dev.mlcp.platform.operational.OperationalData;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/** Wires the Spanner browsing feature from the platform's OperationalData and its config. */
@ApplicationScoped
public class OperationalBeans {

  @Produces
  @Singleton
  OperationalBrowser operationalBrowser(OperationalData data, OperationalDataConfig config) {
    return new OperationalBrowser(data, config.instances().orElse(List.of()));
  }
}
