package dev.mlcp.experiments.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link SecretsApiTest} against the packaged application. */
@QuarkusIntegrationTest
class SecretsApiIT extends SecretsApiTest {}
