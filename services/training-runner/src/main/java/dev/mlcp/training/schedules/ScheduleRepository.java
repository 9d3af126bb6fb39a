package dev.mlcp.training.schedules;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.state.Versioned;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/** Schedules as JSON documents in the ObjectStore ({@code <root>/schedules/<name>.json}). */
public class ScheduleRepository {
  private final ObjectStore store;
  private final ObjectUri root;
  private final ObjectMapper json;

  public ScheduleRepository(ObjectStore store, ObjectUri root, ObjectMapper json) {
    this.store = store;
    this.root = root;
    this.json = json;
  }

  /** The schedule, if it exists. */
  public Optional<Schedule> find(String name) {
    return read(name).map(Versioned::document);
  }

  /** The schedule with its generation, for a conditional write back. */
  public Optional<Versioned<Schedule>> read(String name) {
    try (ObjectRead read = store.read(uri(name))) {
      return Optional.of(
          new Versioned<>(
              json.readValue(read.readAllBytes(), Schedule.class), read.metadata().generation()));
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Creates the schedule ({@code expectedGeneration} 0: it must not exist) or replaces the version
   * read at {@code expectedGeneration}, so two concurrent writers cannot silently overwrite each
   * other (nor take over someone else's schedule).
   *
   * @throws dev.mlcp.platform.PlatformException CONFLICT when it changed since it was read
   */
  public void put(Schedule schedule, long expectedGeneration) {
    try {
      store.write(
          uri(schedule.name()),
          json.writeValueAsBytes(schedule),
          "application/json",
          expectedGeneration == 0
              ? WriteCondition.doesNotExist()
              : WriteCondition.generationMatch(expectedGeneration));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the schedule; false if there was none. */
  public boolean delete(String name) {
    return store.delete(uri(name));
  }

  /** Every schedule, by name. */
  public List<Schedule> all() {
    return store
        .listAll(root.resolve("schedules/"))
        .map(ObjectMetadata::uri)
        .map(u -> u.name().substring(u.name().lastIndexOf('/') + 1).replace(".json", ""))
        .map(this::find)
        .flatMap(Optional::stream)
        .toList();
  }

  private ObjectUri uri(String name) {
    return root.resolve("schedules/" + name + ".json");
  }
}
