package dev.mlcp.training.runs;

import static dev.mlcp.training.runs.LifecycleFixture.IMAGE;
import static dev.mlcp.training.runs.LifecycleFixture.OWNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.secrets.SecretAccess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run request must satisfy beyond its shape: secrets, images, size, the owner's share. */
class SubmitPolicyTest {
  @TempDir Path dir;

  static RunSpec withSecrets(List<String> secrets) {
    return new RunSpec(
        "churn", IMAGE, null, null, null, secrets, null, null, 0, false, null, null, 0, null, null,
        null, null);
  }

  static RunSpec gpu(int count) {
    return new RunSpec(
        "churn",
        IMAGE,
        null,
        null,
        null,
        null,
        "g2-standard-8",
        "nvidia-l4",
        count,
        false,
        null,
        null,
        0,
        null,
        null,
        null,
        null);
  }

  static RunSpec withNext(List<RunSpec> next) {
    return new RunSpec(
        "churn", IMAGE, null, null, null, null, null, null, 0, false, null, null, 0, null, null,
        null, next);
  }

  @Test
  void a_secret_is_usable_by_its_owner_its_readers_and_admins_only() {
    LifecycleFixture f = new LifecycleFixture(dir);
    f.secrets.create(
        "prod-db-password",
        Map.of(),
        SecretAccess.annotations("dba@example.com", Set.of("bob@example.com")));

    assertThatThrownBy(() -> f.submit(withSecrets(List.of("prod-db-password"))))
        .isInstanceOf(SecretNotUsableException.class)
        .hasMessageContaining("prod-db-password")
        .extracting(e -> ((SecretNotUsableException) e).field())
        .isEqualTo("spec.secrets[0]");
    assertThat(
            f.service.submit(
                "bob@example.com", withSecrets(List.of("prod-db-password")), null, null))
        .extracting(Run::state)
        .isEqualTo(RunState.RUNNING);
    assertThat(
            f.service.submit(
                "dba@example.com", withSecrets(List.of("prod-db-password")), null, null))
        .extracting(Run::state)
        .isEqualTo(RunState.RUNNING);
    assertThat(
            f.service.submit(
                "admin@example.com", withSecrets(List.of("prod-db-password")), null, null))
        .extracting(Run::state)
        .isEqualTo(RunState.RUNNING);
    assertThat(f.instances.createCalls.get()).isEqualTo(3);
  }

  @Test
  void a_missing_secret_is_refused_like_a_forbidden_one() {
    LifecycleFixture f = new LifecycleFixture(dir);

    assertThatThrownBy(() -> f.submit(withSecrets(List.of("no-such-secret"))))
        .isInstanceOf(SecretNotUsableException.class)
        .hasMessageContaining("does not exist or");
    assertThat(f.instances.createCalls.get()).isZero();
  }

  @Test
  void active_runs_per_owner_are_capped_with_the_limit_and_current_use_in_the_message() {
    LifecycleFixture f = new LifecycleFixture(dir, new SubmitPolicy.Limits(2, 16, List.of()));
    f.submit(RunSpec.of("churn", IMAGE));
    Run second = f.submit(RunSpec.of("churn", IMAGE));

    assertThatThrownBy(() -> f.submit(RunSpec.of("churn", IMAGE)))
        .isInstanceOf(OwnerLimitExceededException.class)
        .hasMessageContaining("has 2 active runs")
        .hasMessageContaining("limit is 2");
    f.service.cancel(second.id(), OWNER);
    assertThat(f.submit(RunSpec.of("churn", IMAGE)).state()).isEqualTo(RunState.RUNNING);
    assertThat(f.service.submit("bob@example.com", RunSpec.of("churn", IMAGE), null, null))
        .extracting(Run::state)
        .isEqualTo(RunState.RUNNING);
  }

  @Test
  void accelerators_per_owner_are_capped() {
    LifecycleFixture f = new LifecycleFixture(dir, new SubmitPolicy.Limits(20, 2, List.of()));
    f.submit(gpu(2));

    assertThatThrownBy(() -> f.submit(gpu(1)))
        .isInstanceOf(OwnerLimitExceededException.class)
        .hasMessageContaining("2 accelerators in use");
    assertThat(f.submit(RunSpec.of("cpu-only", IMAGE)).state()).isEqualTo(RunState.RUNNING);
  }

  @Test
  void images_outside_the_allowed_registries_are_refused() {
    LifecycleFixture f =
        new LifecycleFixture(
            dir, new SubmitPolicy.Limits(20, 16, List.of("europe-docker.pkg.dev/mlcp-prod/")));

    assertThatThrownBy(() -> f.submit(RunSpec.of("churn", IMAGE)))
        .isInstanceOf(InvalidRunSpecException.class)
        .hasMessageContaining("spec.image");
  }

  @Test
  void one_request_cannot_start_an_unbounded_tree_of_follow_ups() {
    LifecycleFixture f = new LifecycleFixture(dir);
    RunSpec leaf = RunSpec.of("leaf", IMAGE);
    List<RunSpec> wide = new ArrayList<>(Collections.nCopies(9, leaf));
    List<RunSpec> four = Collections.nCopies(4, leaf);
    RunSpec tree = withNext(Collections.nCopies(4, withNext(four))); // 4 + 16 descendants

    assertThatThrownBy(() -> f.submit(withNext(wide)))
        .isInstanceOf(InvalidRunSpecException.class)
        .hasMessageContaining("spec.next");
    assertThatThrownBy(() -> f.submit(tree))
        .isInstanceOf(InvalidRunSpecException.class)
        .hasMessageContaining("20 follow-up runs");
    assertThat(f.instances.createCalls.get()).isZero();
  }

  @Test
  void a_spec_that_cannot_fit_in_vm_metadata_is_refused_with_the_limit() {
    LifecycleFixture f = new LifecycleFixture(dir);
    List<String> args = Collections.nCopies(200, "x".repeat(4000));
    RunSpec huge =
        new RunSpec(
            "churn", IMAGE, null, args, null, null, null, null, 0, false, null, null, 0, null, null,
            null, null);

    assertThatThrownBy(() -> f.submit(huge))
        .isInstanceOf(InvalidRunSpecException.class)
        .hasMessageContaining("512 KB");
  }

  @Test
  void an_idempotency_key_reused_with_another_request_is_refused() {
    LifecycleFixture f = new LifecycleFixture(dir);
    Run first = f.service.submit(OWNER, RunSpec.of("churn", IMAGE), "key-1", null);

    assertThat(f.service.submit(OWNER, RunSpec.of("churn", IMAGE), "key-1", null).id())
        .isEqualTo(first.id());
    assertThatThrownBy(() -> f.service.submit(OWNER, RunSpec.of("other", IMAGE), "key-1", null))
        .isInstanceOf(IdempotencyKeyReusedException.class)
        .hasMessageContaining("key-1");
  }

  @Test
  void owners_are_one_identity_whatever_their_case() {
    LifecycleFixture f = new LifecycleFixture(dir);
    Run upper = f.service.submit("Ana@Example.com", RunSpec.of("churn", IMAGE), "k", null);

    assertThat(upper.owner()).isEqualTo("ana@example.com");
    assertThat(f.service.submit("ana@example.com", RunSpec.of("churn", IMAGE), "k", null).id())
        .isEqualTo(upper.id());
  }
}
