package dev.mlcp.training.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedules are written conditionally: a create only when none exists, an update only over the
 * version that was read, so two writers cannot silently overwrite each other or take over someone
 * else's schedule.
 */
class ScheduleRepositoryTest {
  @TempDir Path dir;

  private ScheduleRepository repository() {
    ObjectMapper json =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    return new ScheduleRepository(
        new LocalDirectoryObjectStore(dir), ObjectUri.parse("gs://state/training-runner/"), json);
  }

  private static Schedule schedule(String owner) {
    return new Schedule(
        "nightly",
        "0 3 * * *",
        "UTC",
        RunSpec.of("nightly", "europe-docker.pkg.dev/p/r/trainer:1"),
        owner,
        true,
        Instant.parse("2026-12-01T00:00:00Z"));
  }

  @Test
  void of_two_creates_of_one_name_the_second_is_a_conflict_and_the_first_stays() {
    ScheduleRepository repository = repository();
    repository.put(schedule("ana@example.com"), 0);

    assertThatThrownBy(() -> repository.put(schedule("bob@example.com"), 0))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isIn(PlatformException.Kind.CONFLICT));
    assertThat(repository.find("nightly").orElseThrow().owner()).isEqualTo("ana@example.com");
  }

  @Test
  void an_update_over_a_version_that_changed_since_it_was_read_is_a_conflict() {
    ScheduleRepository repository = repository();
    repository.put(schedule("ana@example.com"), 0);
    long seen = repository.read("nightly").orElseThrow().generation();
    repository.put(schedule("ana@example.com"), seen);

    assertThatThrownBy(() -> repository.put(schedule("ana@example.com"), seen))
        .isInstanceOf(PlatformException.class);
    long now = repository.read("nightly").orElseThrow().generation();
    repository.put(schedule("ana@example.com"), now);
    assertThat(repository.read("nightly").orElseThrow().generation()).isGreaterThan(now);
  }
}
