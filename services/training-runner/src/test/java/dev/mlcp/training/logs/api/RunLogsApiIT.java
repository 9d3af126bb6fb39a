package dev.mlcp.training.logs.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link RunLogsApiTest} against the packaged application, from outside the process. */
@QuarkusIntegrationTest
class RunLogsApiIT extends RunLogsApiTest {}
