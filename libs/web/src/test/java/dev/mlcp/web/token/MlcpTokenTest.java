package dev.mlcp.web.token;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** keygen + mint as a developer runs them, against an app configured from keygen's output. */
@QuarkusTest
@TestProfile(MlcpTokenTest.KeygenProfile.class)
class MlcpTokenTest {

  /** Runs keygen once and configures the app with exactly the lines it printed. */
  public static class KeygenProfile implements QuarkusTestProfile {
    static final Path ROOT = tempDir();
    static final Path KEYS = ROOT.resolve("auth");
    static final String KEYGEN_OUTPUT = run("keygen", KEYS.toString()).out();

    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> config = new HashMap<>();
      for (String line : KEYGEN_OUTPUT.split("\n")) {
        if (!line.startsWith("#") && line.contains("=")) {
          config.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
      }
      // application.properties of the tests accepts Google's issuers; keygen's setup does not.
      config.put("mlcp.auth.issuers", "https://mlcp.local");
      return config;
    }
  }

  record Result(int status, String out, String err) {}

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        MlcpToken.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("mlcp-token-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void keygen_writes_owner_only_private_key_and_prints_local_config() throws IOException {
    Path privateKey = KeygenProfile.KEYS.resolve(LocalKeys.PRIVATE_KEY);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(KeygenProfile.KEYS.resolve(LocalKeys.PUBLIC_KEY)))
        .startsWith("-----BEGIN PUBLIC KEY-----");
    assertThat(KeygenProfile.KEYGEN_OUTPUT)
        .contains("mlcp.auth.mode=local")
        .contains(
            "mlcp.auth.local.public-key-location=" + KeygenProfile.KEYS.resolve("public-key.pem"))
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void keygen_refuses_to_replace_an_existing_key() {
    Result again = run("keygen", KeygenProfile.KEYS.toString());
    assertThat(again.status()).isEqualTo(1);
    assertThat(again.err()).contains("already exists");
  }

  @Test
  void minted_token_is_accepted_by_the_app() {
    Result mint = run("mint", "--key", KeygenProfile.KEYS.toString(), "--email", "dev@example.com");
    assertThat(mint.status()).isZero();
    given()
        .auth()
        .oauth2(mint.out().strip())
        .get("/example/me")
        .then()
        .statusCode(200)
        .body("email", equalTo("dev@example.com"))
        .body("admin", equalTo(false));
  }

  @Test
  void admin_token_is_admin_with_keygen_config() {
    Result mint = run("mint", "--key", KeygenProfile.KEYS.toString(), "--admin", "--ttl", "10m");
    given()
        .auth()
        .oauth2(mint.out().strip())
        .get("/example/me")
        .then()
        .statusCode(200)
        .body("admin", equalTo(true));
  }

  @Test
  void token_for_another_audience_is_rejected() {
    Result mint =
        run(
            "mint",
            "--key",
            KeygenProfile.KEYS.toString(),
            "--email",
            "dev@example.com",
            "--audience",
            "someone-else");
    given().auth().oauth2(mint.out().strip()).get("/example/me").then().statusCode(401);
  }

  @Test
  void token_from_another_local_key_is_rejected() {
    Path other = KeygenProfile.ROOT.resolve("other");
    assertThat(run("keygen", other.toString()).status()).isZero();
    Result mint = run("mint", "--key", other.toString(), "--email", "dev@example.com");
    given().auth().oauth2(mint.out().strip()).get("/example/me").then().statusCode(401);
  }

  @Test
  void bad_command_lines_are_usage_errors() {
    assertThat(run().status()).isEqualTo(2);
    assertThat(run("mint", "--email", "dev@example.com").err()).contains("--key DIR is required");
    assertThat(run("mint", "--key", "/x", "--email", "dev@example.com", "--ttl", "soon").err())
        .contains("--ttl");
    assertThat(run("mint", "--key", "/x", "--admin", "--email", "a@b.c").status()).isEqualTo(2);
  }
}
