package dev.mlcp.experiments.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link ExperimentsApiTest} against the packaged application (the jar; the native binary with
 * {@code -Pnative}): real agents in notebook mode, their heartbeats, the REST API, from outside the
 * process.
 */
@QuarkusIntegrationTest
class ExperimentsApiIT extends ExperimentsApiTest {}
