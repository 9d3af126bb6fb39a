package dev.mlcp.training.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Runs as JSON documents in the ObjectStore ({@code <root>/runs/<id>.json}). Every change is a
 * compare-and-set on the object's generation: of two replicas applying the same event, exactly one
 * write wins and the other re-reads and sees the change already made.
 */
public class RunRepository {
  private static final String JSON = "application/json";
  private static final int MAX_CAS_ATTEMPTS = 20;

  private final ObjectStore store;
  private final ObjectUri root;
  private final ObjectMapper json;

  public RunRepository(ObjectStore store, ObjectUri root, ObjectMapper json) {
    this.store = store;
    this.root = root;
    this.json = json;
  }

  /**
   * A stored run with the generation it was read at.
   *
   * @param run the run
   * @param generation the object's generation, for a conditional write back
   */
  public record Versioned(Run run, long generation) {}

  /** The run, if it exists. */
  public Optional<Run> find(String id) {
    return read(id).map(Versioned::run);
  }

  /**
   * Stores a new run; it must not exist yet. It is also entered in the index of active runs, which
   * the reconciler reads instead of every run ever made.
   */
  public Run create(Run run) {
    store.write(activeUri(run.id()), new byte[0], "text/plain", WriteCondition.none());
    write(runUri(run.id()), run, WriteCondition.doesNotExist());
    return run;
  }

  /** Ids of the runs in the active index (not yet ended, or ended a moment ago). */
  public java.util.stream.Stream<String> activeIds() {
    return store
        .listAll(root.resolve("active/"))
        .map(m -> m.uri().name().substring(m.uri().name().lastIndexOf('/') + 1));
  }

  /** Removes an ended run from the active index. */
  public void deactivate(String id) {
    store.delete(activeUri(id));
  }

  /**
   * Applies {@code change} to the current run until the write wins. {@code change} may be called
   * several times and must be a pure function of the run it gets; returning the same instance means
   * "nothing to do" and writes nothing.
   *
   * @return the run as stored after the change, empty if there is no such run
   */
  public Optional<Run> update(String id, UnaryOperator<Run> change) {
    for (int i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      Optional<Versioned> current = read(id);
      if (current.isEmpty()) {
        return Optional.empty();
      }
      Run next = change.apply(current.get().run());
      if (next == current.get().run()) {
        return Optional.of(next);
      }
      try {
        write(runUri(id), next, WriteCondition.generationMatch(current.get().generation()));
        if (next.state().terminal()) {
          deactivate(id);
        }
        return Optional.of(next);
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.CONFLICT) {
          throw e;
        }
        // Another replica changed the run in between: re-read and apply again.
      }
    }
    throw new PlatformException(
        PlatformException.Kind.TRANSIENT,
        "contention",
        "run " + id + " changed " + MAX_CAS_ATTEMPTS + " times while being updated; try again");
  }

  /**
   * One page of runs in id order (oldest first, ids are time-ordered).
   *
   * @param pageSize maximum runs read for this page
   * @param pageToken null for the first page
   */
  public Page<Run> list(int pageSize, String pageToken) {
    Page<ObjectMetadata> page = store.list(root.resolve("runs/"), pageSize, pageToken);
    List<Run> runs =
        page.items().stream()
            .map(m -> readAt(m.uri()))
            .flatMap(Optional::stream)
            .map(Versioned::run)
            .toList();
    return new Page<>(runs, page.nextPageToken());
  }

  /** Every run, read page by page. */
  public java.util.stream.Stream<Run> all() {
    return store
        .listAll(root.resolve("runs/"))
        .map(m -> readAt(m.uri()))
        .flatMap(Optional::stream)
        .map(Versioned::run);
  }

  /**
   * Binds an idempotency key to a run id; the first binding wins forever.
   *
   * @return the run id bound to the key: {@code runId} if this call bound it, else the earlier one
   */
  public String bindKey(String scope, String key, String runId) {
    ObjectUri uri = root.resolve("keys/" + sha256(scope + "\n" + key) + ".txt");
    try {
      store.write(
          uri, runId.getBytes(StandardCharsets.UTF_8), "text/plain", WriteCondition.doesNotExist());
      return runId;
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
      try (ObjectRead read = store.read(uri)) {
        return new String(read.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException io) {
        throw new UncheckedIOException(io);
      }
    }
  }

  private Optional<Versioned> read(String id) {
    return readAt(runUri(id));
  }

  private Optional<Versioned> readAt(ObjectUri uri) {
    try (ObjectRead read = store.read(uri)) {
      Run run = json.readValue(read.readAllBytes(), Run.class);
      return Optional.of(new Versioned(run, read.metadata().generation()));
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run document " + uri, e);
    }
  }

  private void write(ObjectUri uri, Run run, WriteCondition condition) {
    try {
      store.write(uri, json.writeValueAsBytes(run), JSON, condition);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectUri activeUri(String id) {
    return root.resolve("active/" + id);
  }

  private ObjectUri runUri(String id) {
    return root.resolve("runs/" + id + ".json");
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
