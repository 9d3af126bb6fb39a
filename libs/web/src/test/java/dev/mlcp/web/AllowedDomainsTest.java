package dev.mlcp.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.mlcp.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code mlcp.auth.allowed-domains} set, a valid Google identity from another domain is not a
 * caller: a token for the service's audience can be minted by any Google account.
 */
@QuarkusTest
@TestProfile(AllowedDomainsTest.ExampleDomainOnly.class)
class AllowedDomainsTest {

  /** Only example.com and the project's service accounts; root@example.com stays admin. */
  public static class ExampleDomainOnly implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "mlcp.auth.allowed-domains",
          "example.com,proj.iam.gserviceaccount.com",
          "mlcp.auth.admins",
          "ops@contractor.example");
    }
  }

  @Test
  void identity_from_an_allowed_domain_is_a_caller() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ann@example.com").sign())
        .get("/example/me")
        .then()
        .statusCode(200);
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ci@proj.iam.gserviceaccount.com").sign())
        .get("/example/me")
        .then()
        .statusCode(200);
  }

  @Test
  void identity_from_another_domain_is_401_problem() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("eve@gmail.com").sign())
        .get("/example/me")
        .then()
        .statusCode(401)
        .body("type", equalTo("urn:mlcp:problem:unauthenticated"));
  }

  @Test
  void an_admin_outside_the_domains_is_still_a_caller() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ops@contractor.example").sign())
        .get("/example/me")
        .then()
        .statusCode(200);
  }
}
