package dev.mlcp.console;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a console serves.
 *
 * @param bindPort the loopback port to listen on, 0 for any free one
 * @param services base URL of each service the proxy reaches, by name (a subset of {@link
 *     #SERVICES}); a page whose service is missing says so
 * @param tokens the bearer token of each proxied call
 * @param warehouse the SQL dialect of the registry's warehouse, for the cost page ({@code bigquery}
 *     in the cloud, {@code duckdb} in local mode)
 */
public record ConsoleConfig(
    int bindPort, Map<String, URI> services, TokenSource tokens, String warehouse) {

  /** The services a console knows, i.e. the {@code /api/<name>/} prefixes it proxies. */
  public static final Set<String> SERVICES =
      Set.of("experiment-vm", "training-runner", "artifact-writer", "serving-deployer");

  /** The warehouse dialects the cost page speaks. */
  public static final Set<String> WAREHOUSES = Set.of("bigquery", "duckdb");

  /** Validates and copies. */
  public ConsoleConfig {
    if (bindPort < 0 || bindPort > 65535) {
      throw new IllegalArgumentException("bindPort must be 0..65535: " + bindPort);
    }
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(services, "services");
    for (Map.Entry<String, URI> e : services.entrySet()) {
      if (!SERVICES.contains(e.getKey())) {
        throw new IllegalArgumentException(
            "unknown service " + e.getKey() + "; one of " + new TreeSet<>(SERVICES));
      }
      URI u = e.getValue();
      if (u == null
          || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
          || u.getHost() == null) {
        throw new IllegalArgumentException(
            "the URL of " + e.getKey() + " must be http(s)://host[:port]: " + u);
      }
    }
    services = Map.copyOf(services);
    warehouse = warehouse == null ? "bigquery" : warehouse;
    if (!WAREHOUSES.contains(warehouse)) {
      throw new IllegalArgumentException("warehouse must be one of " + WAREHOUSES);
    }
  }

  /** A console in front of Cloud Run services (BigQuery warehouse). */
  public ConsoleConfig(int bindPort, Map<String, URI> services, TokenSource tokens) {
    this(bindPort, services, tokens, "bigquery");
  }
}
