package dev.mlcp.experiments;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link BootTest} against the packaged application (the jar; the native binary with -Pnative). */
@QuarkusIntegrationTest
class BootIT extends BootTest {}
