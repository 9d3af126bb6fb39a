package dev.mlcp.experiments.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link DataApiTest} against the packaged application. */
@QuarkusIntegrationTest
class DataApiIT extends DataApiTest {}
