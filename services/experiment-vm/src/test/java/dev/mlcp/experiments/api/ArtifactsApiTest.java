package dev.mlcp.experiments.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.mlcp.experiments.LocalNotebookResource;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.testing.PubSubEmulatorResource;
import dev.mlcp.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Browsing and downloading artifacts over the REST API; locally the bytes come through it. */
@QuarkusTest
@WithTestResource(PubSubEmulatorResource.class)
@WithTestResource(LocalNotebookResource.class)
public class ArtifactsApiTest {
  static final String ANA = TestTokens.googleIdToken("ana@example.com").sign();

  @BeforeEach
  void artifacts() {
    // Written from outside the service, as training runs and the registry write them.
    LocalDirectoryObjectStore store =
        new LocalDirectoryObjectStore(LocalNotebookResource.stateDir().resolve("objects"));
    for (String name :
        new String[] {
          "models/churn/v1/model.json", "models/churn/v1/metrics.json", "staging/run-7/out.csv"
        }) {
      store.write(
          ObjectUri.parse("gs://mlcp-test-artifacts/" + name),
          ("content of " + name).getBytes(StandardCharsets.UTF_8),
          "application/json",
          WriteCondition.none());
    }
  }

  @Test
  void folders_list_their_objects_and_sub_folders() {
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/artifacts")
        .then()
        .statusCode(200)
        .body("root", equalTo("gs://mlcp-test-artifacts/"))
        .body("prefixes", hasItems("models/", "staging/"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/artifacts?prefix=models/churn/v1/")
        .then()
        .statusCode(200)
        .body(
            "objects.path", hasItems("models/churn/v1/model.json", "models/churn/v1/metrics.json"))
        .body("objects[0].uri", equalTo("gs://mlcp-test-artifacts/models/churn/v1/metrics.json"));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/artifacts?prefix=models/churn/v1/&pageSize=1")
        .then()
        .statusCode(200)
        .body("objects.size()", equalTo(1));
  }

  @Test
  void a_download_streams_the_bytes_locally_and_paths_stay_under_the_root() {
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .get("/v1/artifacts/models/churn/v1/model.json:download")
        .then()
        .statusCode(200)
        .header("Content-Disposition", equalTo("attachment; filename=\"model.json\""))
        .body(equalTo("content of models/churn/v1/model.json"));
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .get("/v1/artifacts/models/nope.bin:download")
        .then()
        .statusCode(404);
    given()
        .urlEncodingEnabled(false)
        .auth()
        .oauth2(ANA)
        .get("/v1/artifacts/models/../../etc/passwd:download")
        .then()
        .statusCode(anyOf(equalTo(400), equalTo(404)));
    given()
        .auth()
        .oauth2(ANA)
        .get("/v1/artifacts?prefix=../")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("prefix"));
  }
}
