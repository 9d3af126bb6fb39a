package dev.mlcp.platform.gcp;

import com.google.cloud.compute.v1.Error;
import com.google.cloud.compute.v1.Errors;
import com.google.cloud.compute.v1.GetGlobalOperationRequest;
import com.google.cloud.compute.v1.GetRegionOperationRequest;
import com.google.cloud.compute.v1.GetZoneOperationRequest;
import com.google.cloud.compute.v1.GlobalOperationsClient;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.RegionOperationsClient;
import com.google.cloud.compute.v1.ZoneOperationsClient;
import dev.mlcp.platform.PlatformException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * Polls Compute Engine operations (zonal, regional, global) until DONE or a deadline, and turns a
 * DONE operation that carries an {@code error} into a classified {@link PlatformException}: GCE
 * reports quota and stockout this way, with HTTP 200 on the insert itself.
 */
public final class ComputeOperations implements AutoCloseable {

  private final String project;
  private final ZoneOperationsClient zoneOperations;
  private final RegionOperationsClient regionOperations;
  private final GlobalOperationsClient globalOperations;
  private final Retrier retrier;
  private final Duration timeout;
  private final Duration pollInterval;
  private final Clock clock;

  /**
   * Creates the poller.
   *
   * @param project project id
   * @param zoneOperations client for zonal operations
   * @param regionOperations client for regional operations, may be null if never used
   * @param globalOperations client for global operations, may be null if never used
   * @param retrier retries the (idempotent) polling calls
   * @param timeout how long to wait for one operation
   * @param pollInterval the first wait between polls (doubles up to 5 s)
   * @param clock time source for the deadline
   */
  public ComputeOperations(
      String project,
      ZoneOperationsClient zoneOperations,
      RegionOperationsClient regionOperations,
      GlobalOperationsClient globalOperations,
      Retrier retrier,
      Duration timeout,
      Duration pollInterval,
      Clock clock) {
    this.project = project;
    this.zoneOperations = zoneOperations;
    this.regionOperations = regionOperations;
    this.globalOperations = globalOperations;
    this.retrier = retrier;
    this.timeout = timeout;
    this.pollInterval = pollInterval;
    this.clock = clock;
  }

  /** Waits for a zonal operation. */
  public Operation awaitZonal(String what, String zone, Operation operation) {
    return await(
        what,
        operation,
        name ->
            zoneOperations
                .getCallable()
                .call(
                    GetZoneOperationRequest.newBuilder()
                        .setProject(project)
                        .setZone(zone)
                        .setOperation(name)
                        .build()));
  }

  /** Waits for a regional operation. */
  public Operation awaitRegional(String what, String region, Operation operation) {
    return await(
        what,
        operation,
        name ->
            regionOperations
                .getCallable()
                .call(
                    GetRegionOperationRequest.newBuilder()
                        .setProject(project)
                        .setRegion(region)
                        .setOperation(name)
                        .build()));
  }

  /** Waits for a global operation. */
  public Operation awaitGlobal(String what, Operation operation) {
    return await(
        what,
        operation,
        name ->
            globalOperations
                .getCallable()
                .call(
                    GetGlobalOperationRequest.newBuilder()
                        .setProject(project)
                        .setOperation(name)
                        .build()));
  }

  private Operation await(String what, Operation first, Function<String, Operation> poll) {
    Instant deadline = clock.instant().plus(timeout);
    Operation current = first;
    long wait = Math.max(1, pollInterval.toMillis());
    while (current.getStatus() != Operation.Status.DONE) {
      if (clock.instant().isAfter(deadline)) {
        throw new PlatformException(
            PlatformException.Kind.TRANSIENT,
            "OPERATION_TIMEOUT",
            "cannot "
                + what
                + ": operation "
                + first.getName()
                + " still "
                + current.getStatus()
                + " after "
                + timeout);
      }
      Waits.sleep(wait, "waiting for an operation");
      wait = Math.min(wait * 2, 5_000);
      String name = first.getName();
      current = retrier.call("poll operation " + name, true, () -> poll.apply(name));
    }
    if (current.hasError() && current.getError().getErrorsCount() > 0) {
      throw failure(what, current);
    }
    return current;
  }

  /**
   * Throws the classified failure when {@code operation} already carries an error (an operation can
   * be DONE with an error in the insert's own answer); does not wait for it otherwise.
   */
  public void failIfError(String what, Operation operation) {
    if (operation.hasError() && operation.getError().getErrorsCount() > 0) {
      throw failure(what, operation);
    }
  }

  /** The classified failure of a DONE operation with an error. */
  static PlatformException failure(String what, Operation operation) {
    Error error = operation.getError();
    Errors first = error.getErrors(0);
    // A zonal stockout error outranks any other error listed with it: it tells the caller to try
    // another zone.
    for (Errors e : error.getErrorsList()) {
      PlatformException candidate =
          GcpErrors.fromOperationError(
              what, e.getCode(), e.getMessage(), operation.getHttpErrorStatusCode());
      if (candidate.kind() == PlatformException.Kind.ZONE_EXHAUSTED
          || candidate.kind() == PlatformException.Kind.QUOTA_EXCEEDED) {
        return candidate;
      }
    }
    return GcpErrors.fromOperationError(
        what, first.getCode(), first.getMessage(), operation.getHttpErrorStatusCode());
  }

  @Override
  public void close() {
    zoneOperations.close();
    if (regionOperations != null) {
      regionOperations.close();
    }
    if (globalOperations != null) {
      globalOperations.close();
    }
  }
}
