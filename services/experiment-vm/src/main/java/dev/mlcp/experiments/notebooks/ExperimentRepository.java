package dev.mlcp.experiments.notebooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectMetadata;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Experiments as documents ({@code <root>/experiments/<id>.json}, one per incarnation of a name)
 * with the index objects every listing needs, and name claims ({@code <root>/names/<name>}) that
 * point a name at its latest incarnation: the API addresses experiments by name, and a name is free
 * again once its experiment ended.
 */
public class ExperimentRepository {
  /** Experiments of one owner, newest first. */
  public static final String BY_OWNER = "owner";

  /** Experiments of one owner in one state. */
  public static final String BY_OWNER_STATE = "owner-state";

  /** Experiments in one state (admins). */
  public static final String BY_STATE = "state";

  /** Every experiment (admins). */
  public static final String ALL = "all";

  /** Experiments not ended: what the reaper reads. */
  public static final String LIVE = "live";

  /** The single key of the {@link #ALL} and {@link #LIVE} indexes. */
  public static final String YES = "yes";

  private final ObjectStore store;
  private final ObjectUri root;
  private final DocumentStore<Experiment> documents;

  public ExperimentRepository(ObjectStore store, ObjectUri root, ObjectMapper json) {
    this.store = store;
    this.root = root;
    this.documents =
        new DocumentStore<>(
            store,
            root,
            "experiments",
            Experiment.class,
            json,
            List.of(
                Index.single(BY_OWNER, Experiment::owner),
                Index.single(BY_OWNER_STATE, e -> ownerState(e.owner(), e.state())),
                Index.single(BY_STATE, e -> e.state().name()),
                Index.single(ALL, e -> YES),
                Index.single(LIVE, e -> e.state().terminal() ? null : YES)));
  }

  /** The key of {@link #BY_OWNER_STATE}. */
  public static String ownerState(String owner, ExperimentState state) {
    return owner + "/" + state.name();
  }

  /** The documents, for the outbox relay. */
  public DocumentStore<Experiment> documents() {
    return documents;
  }

  /** The experiment with document id {@code id}. */
  public Optional<Experiment> find(String id) {
    return documents.find(id);
  }

  /** The latest experiment named {@code name}, ended or not. */
  public Optional<Experiment> byName(String name) {
    return claim(name).flatMap(c -> documents.find(c.id()));
  }

  /**
   * Stores a new experiment and points its name at it. The name must be free: unclaimed, or its
   * latest experiment ended.
   *
   * @throws ExperimentConflictException when a live experiment has the name
   */
  public Experiment create(Experiment experiment) {
    String name = experiment.name();
    // The document first, so a claim never points at nothing; until the claim is written it is
    // reachable only through the indexes.
    documents.create(experiment);
    for (int attempt = 0; attempt < 5; attempt++) {
      Optional<Claim> claim = claim(name);
      WriteCondition condition = WriteCondition.doesNotExist();
      if (claim.isPresent()) {
        Optional<Experiment> current = documents.find(claim.get().id());
        if (current.isPresent() && !current.get().state().terminal()) {
          abandon(experiment, "the name is taken by " + current.get().id());
          throw new ExperimentConflictException(
              "an experiment named '"
                  + name
                  + "' exists ("
                  + current.get().state()
                  + ", owner "
                  + current.get().owner()
                  + "); delete it or choose another name");
        }
        condition = WriteCondition.generationMatch(claim.get().generation());
      }
      try {
        store.write(
            claimUri(name),
            experiment.id().getBytes(StandardCharsets.UTF_8),
            "text/plain",
            condition);
        return experiment;
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.CONFLICT
            && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
          abandon(experiment, "its name could not be claimed: " + e.getMessage());
          throw e;
        }
        // Another request changed the claim in between: look again.
      }
    }
    abandon(experiment, "the name is being claimed by concurrent requests");
    throw new ExperimentConflictException(
        "the name '" + name + "' is being claimed by concurrent requests; retry");
  }

  /** An experiment whose name could not be claimed never gets a VM. */
  private void abandon(Experiment experiment, String why) {
    documents.update(experiment.id(), d -> d.failed(why, d.updatedAt()));
  }

  /** Applies a transition with compare-and-set; see {@link DocumentStore#update}. */
  public Optional<Change<Experiment>> update(String id, UnaryOperator<Experiment> change) {
    return documents.update(id, change);
  }

  /** Ids of the experiments not ended (entries may be stale; read them). */
  public Stream<String> liveIds() {
    return documents.ids(LIVE, YES);
  }

  /** Ids of {@code owner}'s experiments that have not ended, from the index (no reads). */
  public List<String> liveIdsOf(String owner) {
    List<String> ids = new ArrayList<>();
    for (ExperimentState state : ExperimentState.values()) {
      if (!state.terminal()) {
        documents.ids(BY_OWNER_STATE, ownerState(owner, state)).forEach(ids::add);
      }
    }
    return ids.stream().distinct().toList();
  }

  /** Reads experiments in parallel, in order, skipping missing ones. */
  public List<Experiment> findAll(List<String> ids) {
    return documents.readAll(ids);
  }

  /**
   * One page of a listing, newest first.
   *
   * @throws dev.mlcp.state.InvalidPageTokenException for a token not issued for this listing
   */
  public Page<Experiment> list(String index, String key, int pageSize, String pageToken) {
    return documents.list(index, key, pageSize, pageToken);
  }

  /** The name claim: the id it points at and the claim object's generation. */
  private record Claim(String id, long generation) {}

  private Optional<Claim> claim(String name) {
    try (ObjectRead read = store.read(claimUri(name))) {
      ObjectMetadata meta = read.metadata();
      return Optional.of(
          new Claim(new String(read.readAllBytes(), StandardCharsets.UTF_8), meta.generation()));
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectUri claimUri(String name) {
    if (!name.matches("[a-z][-a-z0-9]{0,62}")) {
      throw new IllegalArgumentException("not an experiment name: " + name);
    }
    return root.resolve("names/" + name);
  }
}
