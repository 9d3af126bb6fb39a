package dev.mlcp.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.mlcp.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AuthenticationTest {

  private static ValidatableResponse me(String token) {
    return given().auth().oauth2(token).when().get("/example/me").then();
  }

  private static void assertUnauthenticated(ValidatableResponse response) {
    response
        .statusCode(401)
        .contentType(startsWith("application/problem+json"))
        .header("WWW-Authenticate", startsWith("Bearer"))
        .body("status", equalTo(401))
        .body("type", equalTo("urn:mlcp:problem:unauthenticated"))
        .body("title", equalTo("Unauthenticated"))
        .body("instance", equalTo("/example/me"));
  }

  @Test
  void call_without_token_is_401_problem() {
    assertUnauthenticated(given().when().get("/example/me").then());
  }

  @Test
  void garbage_bearer_token_is_401_problem() {
    assertUnauthenticated(me("not-a-jwt"));
  }

  @Test
  void expired_token_is_401_problem() {
    assertUnauthenticated(me(TestTokens.googleIdToken("ann@example.com").expired().sign()));
  }

  @Test
  void token_for_another_audience_is_401_problem() {
    assertUnauthenticated(
        me(
            TestTokens.googleIdToken("ann@example.com")
                .audience("https://other-service.a.run.app")
                .sign()));
  }

  @Test
  void token_from_another_issuer_is_401_problem() {
    assertUnauthenticated(
        me(TestTokens.googleIdToken("ann@example.com").issuer("https://evil.example").sign()));
  }

  @Test
  void token_signed_by_another_key_is_401_problem() {
    assertUnauthenticated(
        me(TestTokens.googleIdToken("ann@example.com").signedWithOtherKey().sign()));
  }

  @Test
  void token_with_unverified_email_is_401_problem() {
    assertUnauthenticated(
        me(TestTokens.googleIdToken("ann@example.com").emailVerified(false).sign()));
  }

  @Test
  void token_without_email_verified_is_401_problem() {
    assertUnauthenticated(
        me(TestTokens.googleIdToken("ann@example.com").withoutEmailVerified().sign()));
  }

  @Test
  void token_without_email_is_401_problem() {
    assertUnauthenticated(me(TestTokens.googleIdToken("ann@example.com").email(null).sign()));
  }

  @Test
  void valid_token_gives_caller_email_and_subject() {
    me(TestTokens.googleIdToken("Ann@Example.com").subject("1234567890").sign())
        .statusCode(200)
        .body("email", equalTo("ann@example.com"))
        .body("subject", equalTo("1234567890"))
        .body("admin", equalTo(false));
  }

  @Test
  void short_google_issuer_form_is_accepted() {
    me(TestTokens.googleIdToken("ann@example.com").issuer("accounts.google.com").sign())
        .statusCode(200)
        .body("email", equalTo("ann@example.com"));
  }

  @Test
  void email_listed_in_admins_is_admin_whatever_its_case() {
    me(TestTokens.googleIdToken("admin@example.com").sign())
        .statusCode(200)
        .body("admin", equalTo(true));
    me(TestTokens.googleIdToken("ROOT@example.com").sign())
        .statusCode(200)
        .body("admin", equalTo(true));
  }

  @Test
  void non_owner_gets_403_problem() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("bob@example.com").sign())
        .when()
        .delete("/example/owned/ann@example.com")
        .then()
        .statusCode(403)
        .contentType(startsWith("application/problem+json"))
        .body("status", equalTo(403))
        .body("type", equalTo("urn:mlcp:problem:forbidden"))
        .body("detail", containsString("owner"))
        .body("instance", equalTo("/example/owned/ann%40example.com"));
  }

  @Test
  void owner_and_admin_may_act_on_owned_resource() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ann@example.com").sign())
        .when()
        .delete("/example/owned/ann@example.com")
        .then()
        .statusCode(204);
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("admin@example.com").sign())
        .when()
        .delete("/example/owned/ann@example.com")
        .then()
        .statusCode(204);
  }

  @Test
  void roles_allowed_admin_is_403_problem_for_a_user_and_200_for_an_admin() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("bob@example.com").sign())
        .get("/example/admin-only")
        .then()
        .statusCode(403)
        .contentType(startsWith("application/problem+json"))
        .body("type", equalTo("urn:mlcp:problem:forbidden"));
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("admin@example.com").sign())
        .get("/example/admin-only")
        .then()
        .statusCode(200);
  }

  @Test
  void health_is_reachable_without_token() {
    given().when().get("/q/health/live").then().statusCode(200);
    given().when().get("/q/health").then().statusCode(200);
  }

  @Test
  void unknown_path_without_token_is_401_not_a_route_map() {
    given().when().get("/nothing/here").then().statusCode(401);
  }

  @Test
  void unknown_path_with_token_is_404_problem() {
    given()
        .auth()
        .oauth2(TestTokens.googleIdToken("ann@example.com").sign())
        .when()
        .get("/nothing/here")
        .then()
        .statusCode(404)
        .contentType(startsWith("application/problem+json"))
        .body("status", equalTo(404))
        .body("instance", equalTo("/nothing/here"));
  }
}
