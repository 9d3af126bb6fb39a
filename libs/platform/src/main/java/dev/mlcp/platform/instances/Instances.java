package dev.mlcp.platform.instances;

import dev.mlcp.platform.Page;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Virtual machines (Compute Engine semantics). Every mutation waits for the platform's operation to
 * finish (or its deadline); a failed operation is a classified {@link
 * dev.mlcp.platform.PlatformException}.
 */
public interface Instances extends AutoCloseable {

  /**
   * Creates a VM, trying the spec's zones in order while a zone is exhausted.
   *
   * @return the instance as created (its zone is the one that had capacity)
   * @throws dev.mlcp.platform.PlatformException ZONE_EXHAUSTED when every zone was, QUOTA_EXCEEDED,
   *     ALREADY_EXISTS, INVALID_ARGUMENT, …
   */
  Instance create(InstanceSpec spec);

  /** The instance, empty when it does not exist. */
  Optional<Instance> get(String zone, String name);

  /**
   * One page of the instances (in all zones of the project) that match the filter.
   *
   * @param filter label conditions
   * @param pageSize maximum items per page
   * @param pageToken null for the first page
   */
  Page<Instance> list(InstanceFilter filter, int pageSize, String pageToken);

  /** All matching instances, fetched page by page as the stream is consumed. */
  default Stream<Instance> listAll(InstanceFilter filter) {
    return Page.all(token -> list(filter, 500, token));
  }

  /**
   * Deletes the instance and waits until it is gone.
   *
   * @return false when it was already gone (idempotent)
   */
  boolean delete(String zone, String name);

  /**
   * Starts deleting the instance and returns once the platform accepted the request, without
   * waiting for the deletion to finish (callers that must answer quickly, e.g. inside a push
   * request; the reconciler verifies the VM is gone). The default waits, like {@link #delete}.
   *
   * @return false when it was already gone
   */
  default boolean requestDelete(String zone, String name) {
    return delete(zone, name);
  }

  /** Hard-resets (restarts) the instance. */
  void reset(String zone, String name);

  /** Releases clients and processes' bookkeeping; the default does nothing. */
  @Override
  default void close() {}
}
