package dev.mlcp.platform.instances;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import java.time.Duration;
import java.util.Map;
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

  /**
   * Stops the instance: it keeps its disks and its name, and stops costing anything but its disks.
   * Returns once the platform accepted the request (GCE lists it STOPPING, then TERMINATED); the
   * caller looks again later.
   *
   * @return false when the instance does not exist
   */
  default boolean stop(String zone, String name) {
    throw unsupported("stop");
  }

  /**
   * Starts a stopped instance. With {@code maxRunDuration} the instance first gets that limit,
   * counted from this start, with termination action DELETE (GCE {@code setScheduling} on the
   * stopped instance), so a hard limit set at creation can be carried over a stop: the caller
   * passes what is left of it. Returns once the platform accepted the start.
   *
   * @param maxRunDuration the new limit, null to keep the instance's scheduling as it is
   * @return false when the instance does not exist
   */
  default boolean start(String zone, String name, Duration maxRunDuration) {
    throw unsupported("start");
  }

  /**
   * The guest attributes the VM itself wrote under {@code namespace} (GCE {@code
   * getGuestAttributes} with query path {@code <namespace>/}): key to value, without the namespace.
   * The VM writes them to its metadata server, which only works when its metadata has {@link
   * InstanceSpec#ENABLE_GUEST_ATTRIBUTES} {@code = TRUE}. Reading needs no network path to the VM.
   *
   * @return empty when the instance does not exist, has guest attributes off or wrote nothing there
   */
  default Map<String, String> guestAttributes(String zone, String name, String namespace) {
    throw unsupported("guestAttributes");
  }

  private PlatformException unsupported(String what) {
    return new PlatformException(
        PlatformException.Kind.INVALID_ARGUMENT,
        "unsupported",
        getClass().getSimpleName() + " does not implement " + what);
  }

  /** Releases clients and processes' bookkeeping; the default does nothing. */
  @Override
  default void close() {}
}
