package dev.mlcp.serving.rollouts;

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
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Rollouts and services as documents ({@code <root>/rollouts/<id>.json}, {@code
 * <root>/services/<name>.json}) with compare-and-set, outboxes and indexes (active rollouts,
 * rollouts per service, every service), plus the digests {@code model.registered} announced ({@code
 * <root>/registered/<model>/<version>.txt}, written once).
 */
public class RolloutRepository {
  /** Rollouts not ended: what the reconciler drives. */
  public static final String ACTIVE = "active";

  /** Rollouts of one service, newest first. */
  public static final String BY_SERVICE = "service";

  /** Every service. */
  public static final String ALL = "all";

  static final String YES = "yes";

  private final ObjectStore store;
  private final ObjectUri root;
  private final DocumentStore<Rollout> rollouts;
  private final DocumentStore<ServiceState> services;

  public RolloutRepository(ObjectStore store, ObjectUri root, ObjectMapper json) {
    this.store = store;
    this.root = root;
    this.rollouts =
        new DocumentStore<>(
            store,
            root,
            "rollouts",
            Rollout.class,
            json,
            List.of(
                Index.single(ACTIVE, r -> r.state().terminal() ? null : YES),
                Index.single(BY_SERVICE, Rollout::service)));
    this.services =
        new DocumentStore<>(
            store,
            root,
            "services",
            ServiceState.class,
            json,
            List.of(Index.single(ALL, s -> YES)));
  }

  /** The rollout documents (for the outbox relay). */
  public DocumentStore<Rollout> rollouts() {
    return rollouts;
  }

  /** The service documents (for the outbox relay). */
  public DocumentStore<ServiceState> services() {
    return services;
  }

  public Optional<Rollout> rollout(String id) {
    return rollouts.find(id);
  }

  /** Creates a rollout; a rollout with the same id (the same request key) wins and is returned. */
  public Rollout createOrGet(Rollout rollout) {
    try {
      return rollouts.create(rollout);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
      return rollouts.find(rollout.id()).orElseThrow(() -> e);
    }
  }

  public Optional<Change<Rollout>> update(String id, UnaryOperator<Rollout> change) {
    return rollouts.update(id, change);
  }

  /** Ids of rollouts not ended. */
  public Stream<String> activeIds() {
    return rollouts.ids(ACTIVE, YES);
  }

  /** Rollouts of a service, newest first. */
  public Page<Rollout> rolloutsOf(String service, int pageSize, String pageToken) {
    return rollouts.list(BY_SERVICE, service, pageSize, pageToken);
  }

  public Optional<ServiceState> service(String name) {
    return services.find(name);
  }

  /** The service, created empty if it is new. */
  public ServiceState serviceOrCreate(ServiceState fresh) {
    try {
      return services.create(fresh);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
      return services.find(fresh.id()).orElseThrow(() -> e);
    }
  }

  public Optional<Change<ServiceState>> updateService(
      String name, UnaryOperator<ServiceState> change) {
    return services.update(name, change);
  }

  /** A page of services, newest first. */
  public Page<ServiceState> listServices(int pageSize, String pageToken) {
    return services.list(ALL, YES, pageSize, pageToken);
  }

  /** Records the digest {@code model.registered} announced; the first record wins. */
  public void recordRegistered(String model, String version, String sha256) {
    try {
      store.write(
          registered(model, version),
          sha256.getBytes(StandardCharsets.UTF_8),
          "text/plain",
          WriteCondition.doesNotExist());
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  /** The digest {@code model.registered} announced for the version, if it was seen. */
  public Optional<String> registeredDigest(String model, String version) {
    try (ObjectRead read = store.read(registered(model, version))) {
      return Optional.of(new String(read.readAllBytes(), StandardCharsets.UTF_8).trim());
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectUri registered(String model, String version) {
    return root.resolve(
        "registered/"
            + DocumentStoreKeys.segment(model)
            + "/"
            + DocumentStoreKeys.segment(version)
            + ".txt");
  }

  /** Object-name segments from names the registry chose. */
  static final class DocumentStoreKeys {
    private DocumentStoreKeys() {}

    static String segment(String s) {
      return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
  }
}
