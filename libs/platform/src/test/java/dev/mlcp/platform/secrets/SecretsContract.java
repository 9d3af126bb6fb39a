package dev.mlcp.platform.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Secrets} adapter must have, starting from an empty store. */
public abstract class SecretsContract {

  /** The adapter under test, empty at the start of each test. */
  protected abstract Secrets secrets();

  @Test
  void annotations_are_kept_replaced_and_read_back_without_the_value() {
    secrets()
        .create(
            "openai-key",
            Map.of("team", "growth"),
            Map.of("mlcp.dev/owner", "ana@example.com", "mlcp.dev/readers", "bob@example.com"));

    assertThat(secrets().get("openai-key").orElseThrow().annotations())
        .containsEntry("mlcp.dev/owner", "ana@example.com")
        .containsEntry("mlcp.dev/readers", "bob@example.com");
    SecretInfo updated =
        secrets()
            .setAnnotations(
                "openai-key",
                Map.of("mlcp.dev/owner", "ana@example.com", "mlcp.dev/readers", "cy@example.com"));

    assertThat(updated.annotations()).containsEntry("mlcp.dev/readers", "cy@example.com");
    assertThat(secrets().get("openai-key").orElseThrow().annotations())
        .containsEntry("mlcp.dev/readers", "cy@example.com");
    assertThat(secrets().get("openai-key").orElseThrow().labels()).containsEntry("team", "growth");
    assertThat(secrets().get("no-such-secret")).isEmpty();
  }

  @Test
  void created_secret_is_listed_with_labels_but_no_value() {
    secrets().create("hf-token", Map.of("owner", "alice"));
    secrets().addVersion("hf-token", SecretValue.ofUtf8("s3cr3t"));

    assertThat(secrets().list())
        .singleElement()
        .satisfies(
            info -> {
              assertThat(info.name()).isEqualTo("hf-token");
              assertThat(info.labels()).containsEntry("owner", "alice");
              assertThat(info.toString()).doesNotContain("s3cr3t");
            });
  }

  @Test
  void latest_is_the_newest_enabled_version() {
    secrets().create("db-password", Map.of());
    String v1 = secrets().addVersion("db-password", SecretValue.ofUtf8("one"));
    String v2 = secrets().addVersion("db-password", SecretValue.ofUtf8("two"));

    assertThat(v1).isEqualTo("1");
    assertThat(v2).isEqualTo("2");
    try (SecretValue latest = secrets().access("db-password", Secrets.LATEST)) {
      assertThat(new String(latest.bytes(), StandardCharsets.UTF_8)).isEqualTo("two");
      assertThat(latest.toString()).doesNotContain("two");
    }
    try (SecretValue first = secrets().access("db-password", "1")) {
      assertThat(new String(first.chars())).isEqualTo("one");
    }
  }

  @Test
  void access_names_the_version_it_served() {
    secrets().create("served", Map.of());
    secrets().addVersion("served", SecretValue.ofUtf8("one"));
    secrets().addVersion("served", SecretValue.ofUtf8("two"));

    try (AccessedSecret latest = secrets().accessVersion("served", Secrets.LATEST)) {
      assertThat(latest.version()).isEqualTo("2");
      assertThat(new String(latest.value().bytes(), StandardCharsets.UTF_8)).isEqualTo("two");
      assertThat(latest.toString()).doesNotContain("two");
    }
    try (AccessedSecret first = secrets().accessVersion("served", "1")) {
      assertThat(first.version()).isEqualTo("1");
    }
  }

  @Test
  void disabled_version_cannot_be_accessed_and_latest_falls_back() {
    secrets().create("api-key", Map.of());
    secrets().addVersion("api-key", SecretValue.ofUtf8("old"));
    secrets().addVersion("api-key", SecretValue.ofUtf8("new"));

    secrets().disableVersion("api-key", "2");

    assertThatThrownBy(() -> secrets().access("api-key", "2"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThat(
            new String(secrets().access("api-key", Secrets.LATEST).bytes(), StandardCharsets.UTF_8))
        .isEqualTo("old");
  }

  @Test
  void destroyed_version_is_gone_for_good() {
    secrets().create("token", Map.of());
    secrets().addVersion("token", SecretValue.ofUtf8("value"));

    secrets().destroyVersion("token", "1");

    assertThatThrownBy(() -> secrets().access("token", "1"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
  }

  @Test
  void creating_an_existing_secret_is_already_exists() {
    secrets().create("dup", Map.of());

    assertThatThrownBy(() -> secrets().create("dup", Map.of()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.ALREADY_EXISTS));
  }

  @Test
  void accessing_an_unknown_secret_is_not_found() {
    assertThatThrownBy(() -> secrets().access("missing", Secrets.LATEST))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
  }
}
