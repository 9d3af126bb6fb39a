package dev.mlcp.training.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link RunsApiTest} against the packaged application (the jar; the native binary with {@code
 * -Pnative}): real agents, the emulator, the REST API and Pub/Sub, from outside the process.
 */
@QuarkusIntegrationTest
class RunsApiIT extends RunsApiTest {}
