package dev.mlcp.registry.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link RegistryApiTest} against the packaged application (the jar; the native binary with {@code
 * -Pnative}): Pub/Sub, the REST API, the local ObjectStore and DuckDB, from outside the process.
 */
@QuarkusIntegrationTest
class RegistryApiIT extends RegistryApiTest {}
