package dev.mlcp.messaging;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

/** Waits for the test application's readiness (Pub/Sub reachable, provisioned, pulls running). */
final class Readiness {
  private Readiness() {}

  static void awaitReady() {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
  }
}
