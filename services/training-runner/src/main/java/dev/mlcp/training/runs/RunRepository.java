package dev.mlcp.training.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import dev.mlcp.state.Change;
import dev.mlcp.state.DocumentStore;
import dev.mlcp.state.Index;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Runs as documents ({@code <root>/runs/<id>.json}) in a {@link DocumentStore}: compare-and-set
 * transitions, an outbox, and index objects for every listing the API and the reconciler need, so
 * none of them reads every run ever made.
 */
public class RunRepository {
  /** Runs of one owner, newest first. */
  public static final String BY_OWNER = "owner";

  /** Runs of one owner in one state. */
  public static final String BY_OWNER_STATE = "owner-state";

  /** Runs in one state (admins). */
  public static final String BY_STATE = "state";

  /** Every run (admins). */
  public static final String ALL = "all";

  /** Runs not ended yet: what the reconciler compares with the VMs. */
  public static final String ACTIVE = "active";

  /** Succeeded runs whose follow-ups are not all submitted yet. */
  public static final String FOLLOW_UPS = "follow-ups";

  /** The single key of the {@link #ALL}, {@link #ACTIVE} and {@link #FOLLOW_UPS} indexes. */
  public static final String YES = "yes";

  private final ObjectStore store;
  private final ObjectUri root;
  private final DocumentStore<Run> documents;

  public RunRepository(ObjectStore store, ObjectUri root, ObjectMapper json) {
    this.store = store;
    this.root = root;
    this.documents =
        new DocumentStore<>(
            store,
            root,
            "runs",
            Run.class,
            json,
            List.of(
                Index.single(BY_OWNER, Run::owner),
                Index.single(BY_OWNER_STATE, r -> ownerState(r.owner(), r.state())),
                Index.single(BY_STATE, r -> r.state().name()),
                Index.single(ALL, r -> YES),
                Index.single(ACTIVE, r -> r.state().terminal() ? null : YES),
                Index.single(FOLLOW_UPS, r -> r.followUpsPending() ? YES : null)));
  }

  /** The key of {@link #BY_OWNER_STATE}. */
  public static String ownerState(String owner, RunState state) {
    return owner + "/" + state.name();
  }

  /** The documents, for the outbox relay. */
  public DocumentStore<Run> documents() {
    return documents;
  }

  /** The run, if it exists. */
  public Optional<Run> find(String id) {
    return documents.find(id);
  }

  /**
   * Stores a new run and its index entries.
   *
   * @throws PlatformException CONFLICT when it exists
   */
  public Run create(Run run) {
    return documents.create(run);
  }

  /**
   * Applies a transition with compare-and-set; see {@link DocumentStore#update}.
   *
   * @return empty when there is no such run
   */
  public Optional<Change<Run>> update(String id, UnaryOperator<Run> change) {
    return documents.update(id, change);
  }

  /** Ids in the {@link #ACTIVE} index. */
  public Stream<String> activeIds() {
    return documents.ids(ACTIVE, YES);
  }

  /** Ids of succeeded runs with follow-ups still to submit. */
  public Stream<String> followUpIds() {
    return documents.ids(FOLLOW_UPS, YES);
  }

  /** Ids of the owner's runs that have not ended, from the owner-and-state index (no reads). */
  public List<String> activeIdsOf(String owner) {
    List<String> ids = new java.util.ArrayList<>();
    for (RunState state : RunState.values()) {
      if (!state.terminal()) {
        documents.ids(BY_OWNER_STATE, ownerState(owner, state)).forEach(ids::add);
      }
    }
    return ids.stream().distinct().toList();
  }

  /** Reads runs in parallel, in order, skipping missing ones. */
  public List<Run> findAll(List<String> ids) {
    return documents.readAll(ids);
  }

  /**
   * One page of a listing, newest first.
   *
   * @param index one of the index names above
   * @param key the index key
   * @param filter an extra condition (labels); {@code filterScope} names it for the page token
   * @throws dev.mlcp.state.InvalidPageTokenException for a token not issued for this listing
   */
  public Page<Run> list(
      String index,
      String key,
      Predicate<Run> filter,
      String filterScope,
      int pageSize,
      String pageToken) {
    return documents.list(
        index, key, filter, filterScope, pageSize, pageToken, Math.max(1000, pageSize * 20));
  }

  /** The run id an idempotency key is bound to, if any. */
  public Optional<String> boundRun(String scope, String key) {
    try (ObjectRead read = store.read(keyUri(scope, key))) {
      return Optional.of(new String(read.readAllBytes(), StandardCharsets.UTF_8));
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectUri keyUri(String scope, String key) {
    return root.resolve("keys/" + sha256(scope + "\n" + key) + ".txt");
  }

  /**
   * Binds an idempotency key to a run id; the first binding wins forever.
   *
   * @return the run id bound to the key: {@code runId} if this call bound it, else the earlier one
   */
  public String bindKey(String scope, String key, String runId) {
    ObjectUri uri = keyUri(scope, key);
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

  /** Hex SHA-256 of {@code s}. */
  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
