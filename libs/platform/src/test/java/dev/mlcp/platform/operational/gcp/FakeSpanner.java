package dev.mlcp.platform.operational.gcp;

import com.google.protobuf.Empty;
import com.google.spanner.v1.BatchCreateSessionsRequest;
import com.google.spanner.v1.BatchCreateSessionsResponse;
import com.google.spanner.v1.CreateSessionRequest;
import com.google.spanner.v1.DeleteSessionRequest;
import com.google.spanner.v1.ExecuteSqlRequest;
import com.google.spanner.v1.GetSessionRequest;
import com.google.spanner.v1.PartialResultSet;
import com.google.spanner.v1.ResultSet;
import com.google.spanner.v1.Session;
import com.google.spanner.v1.SpannerGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process Spanner that answers recorded result sets by statement text: enough of the Spanner
 * API (sessions, streaming and unary SQL) for the client library to run queries against it. It
 * stands in where the emulator cannot (the emulator shipped here does not parse {@code CREATE
 * PROPERTY GRAPH}), and records each request so tests can check what the client sent (the
 * transaction selector: single-use read-only at a bounded staleness).
 */
final class FakeSpanner extends SpannerGrpc.SpannerImplBase {
  private final Map<String, List<PartialResultSet>> answers = new ConcurrentHashMap<>();
  private final Map<String, Status> failures = new ConcurrentHashMap<>();
  final List<ExecuteSqlRequest> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger sessions = new AtomicInteger();

  /** Answers {@code sql} with {@code parts} (a result set streamed in these chunks). */
  FakeSpanner answer(String sql, List<PartialResultSet> parts) {
    answers.put(sql, List.copyOf(parts));
    return this;
  }

  /** Fails {@code sql} with {@code status}. */
  FakeSpanner fail(String sql, Status status) {
    failures.put(sql, status);
    return this;
  }

  private Session session(String database, boolean multiplexed) {
    return Session.newBuilder()
        .setName(database + "/sessions/s" + sessions.incrementAndGet())
        .setMultiplexed(multiplexed)
        .build();
  }

  @Override
  public void createSession(CreateSessionRequest request, StreamObserver<Session> observer) {
    observer.onNext(session(request.getDatabase(), request.getSession().getMultiplexed()));
    observer.onCompleted();
  }

  @Override
  public void batchCreateSessions(
      BatchCreateSessionsRequest request, StreamObserver<BatchCreateSessionsResponse> observer) {
    BatchCreateSessionsResponse.Builder out = BatchCreateSessionsResponse.newBuilder();
    for (int i = 0; i < Math.max(1, request.getSessionCount()); i++) {
      out.addSession(session(request.getDatabase(), false));
    }
    observer.onNext(out.build());
    observer.onCompleted();
  }

  @Override
  public void getSession(GetSessionRequest request, StreamObserver<Session> observer) {
    observer.onNext(Session.newBuilder().setName(request.getName()).build());
    observer.onCompleted();
  }

  @Override
  public void deleteSession(DeleteSessionRequest request, StreamObserver<Empty> observer) {
    observer.onNext(Empty.getDefaultInstance());
    observer.onCompleted();
  }

  @Override
  public void executeStreamingSql(
      ExecuteSqlRequest request, StreamObserver<PartialResultSet> observer) {
    requests.add(request);
    Status failure = failures.get(request.getSql());
    if (failure != null) {
      observer.onError(failure.asRuntimeException());
      return;
    }
    List<PartialResultSet> parts = answers.get(request.getSql());
    if (parts == null) {
      observer.onError(
          Status.INVALID_ARGUMENT
              .withDescription("no recorded answer for: " + request.getSql())
              .asRuntimeException());
      return;
    }
    parts.forEach(observer::onNext);
    observer.onCompleted();
  }

  @Override
  public void executeSql(ExecuteSqlRequest request, StreamObserver<ResultSet> observer) {
    requests.add(request);
    observer.onError(Status.UNIMPLEMENTED.withDescription("unary SQL").asRuntimeException());
  }
}
