package dev.mlcp.registry.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.state.Change;
import dev.mlcp.state.Document;
import dev.mlcp.state.DocumentStore;
import dev.mlcp.state.Index;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The registry's documents in the ObjectStore ({@code <state>/<kind>/<id>.json}), each kind a
 * {@link DocumentStore} with compare-and-set transitions, an outbox and the indexes its listings
 * need: models by owner, versions and aliases by model, evaluations and deployments by version, and
 * the work lists the reconciler reads (unfinished registrations, pending evaluations, rows not yet
 * written).
 */
public final class RegistryRepository {
  /** Models of one owner. */
  public static final String BY_OWNER = "owner";

  /** Every model (admins). */
  public static final String ALL = "all";

  /** Versions, or aliases, of one model. */
  public static final String BY_MODEL = "model";

  /** Evaluations, or deployments, of one version ({@code <model>.<n>}). */
  public static final String BY_VERSION = "version";

  /** Registrations not finished, evaluations not landed. */
  public static final String ACTIVE = "active";

  /** Documents whose warehouse rows are not written yet. */
  public static final String ROWS = "rows";

  /** The single key of the yes/no indexes. */
  public static final String YES = "yes";

  private final DocumentStore<Model> models;
  private final DocumentStore<ModelVersion> versions;
  private final DocumentStore<Alias> aliases;
  private final DocumentStore<Registration> registrations;
  private final DocumentStore<Evaluation> evaluations;
  private final DocumentStore<Deployment> deployments;

  public RegistryRepository(ObjectStore store, ObjectUri root, ObjectMapper json) {
    models =
        new DocumentStore<>(
            store,
            root,
            "models",
            Model.class,
            json,
            List.of(Index.single(BY_OWNER, Model::owner), Index.single(ALL, m -> YES)));
    versions =
        new DocumentStore<>(
            store,
            root,
            "versions",
            ModelVersion.class,
            json,
            List.of(Index.single(BY_MODEL, ModelVersion::model)));
    aliases =
        new DocumentStore<>(
            store,
            root,
            "aliases",
            Alias.class,
            json,
            List.of(
                Index.single(BY_MODEL, Alias::model),
                Index.single(ROWS, a -> a.rowsPending() ? YES : null)));
    registrations =
        new DocumentStore<>(
            store,
            root,
            "registrations",
            Registration.class,
            json,
            List.of(
                Index.single(ACTIVE, r -> r.state().terminal() ? null : YES),
                Index.single(ROWS, r -> r.rowsPending() ? YES : null)));
    evaluations =
        new DocumentStore<>(
            store,
            root,
            "evaluations",
            Evaluation.class,
            json,
            List.of(
                Index.single(BY_VERSION, e -> ModelVersion.idOf(e.model(), e.version())),
                Index.single(
                    ACTIVE, e -> e.state() == Evaluation.EvaluationState.REQUESTED ? YES : null),
                Index.single(
                    ROWS,
                    e ->
                        e.state() == Evaluation.EvaluationState.LANDED && !e.rowsWritten()
                            ? YES
                            : null)));
    deployments =
        new DocumentStore<>(
            store,
            root,
            "deployments",
            Deployment.class,
            json,
            List.of(
                Index.single(
                    BY_VERSION,
                    d -> d.versionKnown() ? ModelVersion.idOf(d.model(), d.version()) : null)));
  }

  public DocumentStore<Model> models() {
    return models;
  }

  public DocumentStore<ModelVersion> versions() {
    return versions;
  }

  public DocumentStore<Alias> aliases() {
    return aliases;
  }

  public DocumentStore<Registration> registrations() {
    return registrations;
  }

  public DocumentStore<Evaluation> evaluations() {
    return evaluations;
  }

  public DocumentStore<Deployment> deployments() {
    return deployments;
  }

  /** The model, or NotFound. */
  public Model model(String name) {
    return models
        .find(name)
        .orElseThrow(() -> new RegistryException.NotFound("model '" + name + "' does not exist"));
  }

  /** Version {@code n} of {@code model}, or NotFound. */
  public ModelVersion version(String model, int n) {
    return versions
        .find(ModelVersion.idOf(model, n))
        .orElseThrow(
            () ->
                new RegistryException.NotFound(
                    "version "
                        + Names.versionName(n)
                        + " of model '"
                        + model
                        + "' does not exist"));
  }

  /** A version that is REGISTERED, or NotFound / Conflict. */
  public ModelVersion registered(String model, int n) {
    ModelVersion v = version(model, n);
    if (v.state() != ModelVersion.VersionState.REGISTERED) {
      throw new RegistryException.Conflict(
          "version "
              + v.name()
              + " of '"
              + model
              + "' is "
              + v.state().name().toLowerCase(java.util.Locale.ROOT)
              + (v.reason() == null ? "" : " (" + v.reason() + ")")
              + ", not registered");
    }
    return v;
  }

  /** Creates {@code document}, or returns the one that won the race to create it. */
  public static <D extends Document<D>> D createOrFind(DocumentStore<D> store, D document) {
    try {
      return store.create(document);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
      return store.find(document.id()).orElseThrow(() -> e);
    }
  }

  /** Applies {@code change} to an existing document; NotFound when there is none. */
  public static <D extends Document<D>> Change<D> update(
      DocumentStore<D> store, String id, UnaryOperator<D> change) {
    return store
        .update(id, change)
        .orElseThrow(() -> new RegistryException.NotFound("no document " + id));
  }
}
