package dev.mlcp.experiments.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.experiments.notebooks.MutableClock;
import dev.mlcp.experiments.notebooks.NotebookFixture;
import dev.mlcp.platform.ids.UlidIdGenerator;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import dev.mlcp.platform.secrets.AccessedSecret;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.local.LocalFileSecrets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secrets rule (owner, readers, admins read; owner and admins write) and the audit: every use
 * recorded with who, when, which version and the outcome, and never the value.
 */
class SecretServiceTest {
  private static final String ANA = "ana@example.com";
  private static final String BOB = "bob@example.com";
  private static final String EVE = "eve@example.com";
  private static final String VALUE = "sk-live-ana-4f9d1c";

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(NotebookFixture.T0);
  private SecretService secrets;
  private LocalDirectoryObjectStore store;

  @BeforeEach
  void setUp() {
    store = new LocalDirectoryObjectStore(dir.resolve("objects"), clock);
    secrets =
        new SecretService(
            new LocalFileSecrets(dir.resolve("secrets"), clock),
            store,
            ObjectUri.parse("gs://state/experiment-vm"),
            NotebookFixture.JSON,
            new UlidIdGenerator(clock, new SecureRandom()),
            clock,
            new SecretService.Limits(65536, 3));
    secrets.create(
        ANA, "openai-key", Map.of("vendor", "openai"), Set.of(BOB), SecretValue.ofUtf8(VALUE));
  }

  private String read(String who, boolean admin) {
    try (AccessedSecret s = secrets.access(who, admin, "openai-key", null)) {
      return new String(s.value().bytes(), StandardCharsets.UTF_8) + "@" + s.version();
    }
  }

  @Test
  void the_owner_readers_and_admins_read_and_nobody_else() {
    assertThat(read(ANA, false)).isEqualTo(VALUE + "@1");
    assertThat(read(BOB, false)).isEqualTo(VALUE + "@1");
    assertThat(read("admin@example.com", true)).isEqualTo(VALUE + "@1");
    assertThatThrownBy(() -> read(EVE, false))
        .isInstanceOf(SecretNotAllowedException.class)
        .hasMessageNotContaining(VALUE);
    assertThatThrownBy(() -> secrets.access(EVE, false, "no-such-secret", null))
        .isInstanceOf(SecretNotAllowedException.class)
        .hasMessageContaining("does not exist or");
  }

  @Test
  void listing_shows_owner_readers_and_whether_the_caller_may_read_never_values() {
    List<SecretService.Described> seen = secrets.list(EVE, false);

    assertThat(seen)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.owner()).isEqualTo(ANA);
              assertThat(d.readers()).containsExactly(BOB);
              assertThat(d.mayRead()).isFalse();
              assertThat(d.toString()).doesNotContain(VALUE);
            });
    assertThat(secrets.list(BOB, false).get(0).mayRead()).isTrue();
  }

  @Test
  void only_the_owner_and_admins_add_versions_and_set_readers() {
    assertThatThrownBy(() -> secrets.addVersion(BOB, false, "openai-key", SecretValue.ofUtf8("x")))
        .isInstanceOf(SecretNotAllowedException.class);
    assertThat(secrets.addVersion(ANA, false, "openai-key", SecretValue.ofUtf8("sk-2")))
        .isEqualTo("2");
    assertThatThrownBy(() -> secrets.setReaders(BOB, false, "openai-key", Set.of(EVE)))
        .isInstanceOf(SecretNotAllowedException.class);

    secrets.setReaders(ANA, false, "openai-key", Set.of(EVE));

    assertThat(read(EVE, false)).isEqualTo("sk-2@2");
    assertThatThrownBy(() -> read(BOB, false)).isInstanceOf(SecretNotAllowedException.class);
  }

  @Test
  void every_use_is_audited_with_who_when_version_and_outcome() {
    clock.advance(Duration.ofMinutes(1));
    read(BOB, false);
    clock.advance(Duration.ofMinutes(1));
    assertThatThrownBy(() -> read(EVE, false)).isInstanceOf(SecretNotAllowedException.class);

    List<SecretAuditRecord> audit = secrets.accesses(ANA, false, "openai-key", 10, null).items();

    assertThat(audit)
        .extracting(r -> r.actor() + " " + r.action() + " " + r.version() + " " + r.outcome())
        .containsExactly(
            EVE + " ACCESS latest DENIED", BOB + " ACCESS 1 GRANTED", ANA + " CREATE 1 GRANTED");
    assertThat(audit.get(1).createdAt()).isEqualTo(NotebookFixture.T0.plus(Duration.ofMinutes(1)));
    assertThat(audit.toString()).doesNotContain(VALUE);
    assertThatThrownBy(() -> secrets.accesses(BOB, false, "openai-key", 10, null))
        .isInstanceOf(SecretNotAllowedException.class);
  }

  @Test
  void names_readers_and_values_are_checked() {
    assertThatThrownBy(
            () -> secrets.create(ANA, "bad name", Map.of(), Set.of(), SecretValue.ofUtf8("x")))
        .isInstanceOfSatisfying(
            InvalidSecretException.class, e -> assertThat(e.field()).isEqualTo("name"));
    assertThatThrownBy(
            () ->
                secrets.create(
                    ANA, "k2", Map.of(), Set.of("not-an-email"), SecretValue.ofUtf8("x")))
        .isInstanceOfSatisfying(
            InvalidSecretException.class, e -> assertThat(e.field()).isEqualTo("readers"));
    assertThatThrownBy(
            () ->
                secrets.create(
                    ANA,
                    "k3",
                    Map.of(),
                    Set.of("a@x.io", "b@x.io", "c@x.io", "d@x.io"),
                    SecretValue.ofUtf8("x")))
        .hasMessageContaining("at most 3 readers");
    assertThatThrownBy(
            () -> secrets.create(ANA, "k4", Map.of("Bad", "x"), Set.of(), SecretValue.ofUtf8("x")))
        .isInstanceOfSatisfying(
            InvalidSecretException.class, e -> assertThat(e.field()).isEqualTo("labels.Bad"));
    assertThatThrownBy(() -> secrets.create(ANA, "k5", Map.of(), Set.of(), SecretValue.ofUtf8("")))
        .isInstanceOfSatisfying(
            InvalidSecretException.class, e -> assertThat(e.field()).isEqualTo("value"));
    assertThatThrownBy(() -> secrets.access(ANA, false, "openai-key", "v1"))
        .isInstanceOfSatisfying(
            InvalidSecretException.class, e -> assertThat(e.field()).isEqualTo("version"));
  }
}
