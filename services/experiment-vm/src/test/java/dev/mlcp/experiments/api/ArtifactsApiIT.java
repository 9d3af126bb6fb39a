package dev.mlcp.experiments.api;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link ArtifactsApiTest} against the packaged application. */
@QuarkusIntegrationTest
class ArtifactsApiIT extends ArtifactsApiTest {}
