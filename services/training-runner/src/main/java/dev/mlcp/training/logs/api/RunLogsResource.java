package dev.mlcp.training.logs.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.training.logs.FollowLimitExceededException;
import dev.mlcp.training.logs.LogFollows;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.api.RunAccess;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * {@code GET /v1/runs/{id}/logs}: the run's container logs as text, or with {@code follow=true} as
 * Server-Sent Events until the run ends. Each log event's id is the cursor right after its entry,
 * so a client that reconnects with {@code Last-Event-ID} (or {@code cursor=}) misses nothing and
 * sees nothing twice.
 *
 * <p>Both answers are streams that hold no request thread: text is read a page at a time, and a
 * follow is fed by {@link LogFollows} (one shared poll per run). The method itself runs on a worker
 * thread only for the access check and the cap check.
 *
 * <p>The answer's type follows {@code follow=}, not {@code Accept} ({@link LogsAcceptRoute} lets
 * every {@code Accept} through), and both are written as they are: the method is declared {@code
 * text/plain} so that the streaming writer sends the frames verbatim (a {@code text/event-stream}
 * declaration would make the framework re-frame them as {@code data:} lines), and the SSE answer
 * sets its own {@code Content-Type}.
 */
@Path("/v1/runs/{id}/logs")
public class RunLogsResource {
  static final int PAGE = 500;
  static final int MAX_CURSOR_LENGTH = 512;

  /** What a client refused for the instance-wide cap waits before trying again (elsewhere). */
  static final Duration INSTANCE_FULL_RETRY = Duration.ofSeconds(5);

  @Inject Logs logs;
  @Inject RunAccess access;
  @Inject Caller caller;
  @Inject ObjectMapper json;
  @Inject LogFollows follows;

  @GET
  @Blocking
  @Produces(MediaType.TEXT_PLAIN)
  @Operation(
      summary = "A run's logs",
      description =
          "text/plain: every entry so far, one line each. follow=true: text/event-stream of"
              + " entries as they arrive (event 'log', id = resume cursor), ending with an 'end'"
              + " event when the run has ended; resume with Last-Event-ID or cursor. Follows are"
              + " capped per user and per instance (429).")
  @APIResponse(
      responseCode = "200",
      description = "The log, or its live events",
      content = {
        @Content(mediaType = MediaType.TEXT_PLAIN),
        @Content(mediaType = MediaType.SERVER_SENT_EVENTS)
      })
  @APIResponse(responseCode = "429", description = "Too many log follows open")
  public RestMulti<String> logs(
      @PathParam("id") String id,
      @QueryParam("follow") boolean follow,
      @QueryParam("cursor") String cursor,
      @HeaderParam("Last-Event-ID") String lastEventId) {
    Run run = access.owned(id);
    String field = blank(lastEventId) ? "cursor" : "Last-Event-ID";
    String from = blank(lastEventId) ? (blank(cursor) ? null : cursor) : lastEventId;
    checkCursor(run.id(), from, field);
    if (!follow) {
      return RestMulti.fromMultiData(text(run.id(), from))
          .header("Content-Type", MediaType.TEXT_PLAIN + ";charset=UTF-8")
          .build();
    }
    LogFollows.Follow opened;
    try {
      opened = follows.open(caller.email(), run.id(), from);
    } catch (FollowLimitExceededException e) {
      throw limitExceeded(e);
    }
    return RestMulti.fromMultiData(events(opened, from))
        .header("Content-Type", MediaType.SERVER_SENT_EVENTS)
        .header("Cache-Control", "no-cache")
        .header("X-Accel-Buffering", "no")
        .build();
  }

  static ApiException.LimitExceeded limitExceeded(FollowLimitExceededException e) {
    return switch (e.limit()) {
      case PER_USER ->
          new ApiException.LimitExceeded(
              e.user()
                  + " has "
                  + e.current()
                  + " log follows open on this instance; the limit is "
                  + e.max()
                  + " (mlcp.training.logs.max-followers-per-user). Close a follow or wait for"
                  + " one to end.",
              null);
      case PER_INSTANCE ->
          new ApiException.LimitExceeded(
              "this instance serves "
                  + e.current()
                  + " log follows; the limit is "
                  + e.max()
                  + " (mlcp.training.logs.max-followers). Retry shortly.",
              INSTANCE_FULL_RETRY);
    };
  }

  /** A bad cursor is the client's mistake: 400 before the stream starts, not a broken stream. */
  private void checkCursor(String runId, String from, String field) {
    if (from == null) {
      return;
    }
    if (from.length() > MAX_CURSOR_LENGTH) {
      throw new ApiException.BadRequest(field, "at most " + MAX_CURSOR_LENGTH + " characters");
    }
    try {
      logs.read(runId, from, 0);
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.INVALID_ARGUMENT) {
        throw new ApiException.BadRequest(field, "not a cursor of this run's log");
      }
      throw e;
    }
  }

  /** The log as text, a page per item, each page read on a worker thread when asked for. */
  private Multi<String> text(String runId, String from) {
    AtomicReference<String> position = new AtomicReference<>(from);
    AtomicBoolean done = new AtomicBoolean();
    return Multi.createBy()
        .repeating()
        .uni(
            () ->
                Uni.createFrom()
                    .item(() -> page(runId, position, done))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
        .until(String::isEmpty);
  }

  private String page(String runId, AtomicReference<String> position, AtomicBoolean done) {
    if (done.get()) {
      return "";
    }
    LogBatch batch = logs.read(runId, position.get(), PAGE);
    position.set(batch.cursor());
    if (batch.entries().size() < PAGE) {
      done.set(true);
    }
    StringBuilder text = new StringBuilder();
    for (LogEntry e : batch.entries()) {
      text.append(line(e));
    }
    return text.toString();
  }

  /** The follow as SSE frames: open, then what {@link LogFollows} delivers, then end. */
  private Multi<String> events(LogFollows.Follow follow, String from) {
    String runId = follow.runId();
    return Multi.createFrom()
        .emitter(
            (MultiEmitter<? super String> emitter) -> {
              emitter.onTermination(follow::close);
              emitter.onRequest(follow::request);
              emitter.emit(frame("open", from, Map.of("runId", runId)));
              // What the connection asked for before onRequest was registered.
              follow.request(emitter.requested());
              follow.start(
                  new LogFollows.Listener() {
                    @Override
                    public void line(LogFollows.Line line) {
                      emitter.emit(line.rendered(RunLogsResource.this::logFrame));
                    }

                    @Override
                    public void keepAlive() {
                      emitter.emit(": keep-alive\n\n");
                    }

                    @Override
                    public void end(String state, String cursor) {
                      emitter.emit(frame("end", cursor, Map.of("runId", runId, "state", state)));
                      emitter.complete();
                    }

                    @Override
                    public void failed(RuntimeException error) {
                      // Closing without an end event: the client resumes from its last id.
                      emitter.complete();
                    }
                  });
            },
            BackPressureStrategy.BUFFER);
  }

  private String logFrame(LogFollows.Line line) {
    LogEntry e = line.entry();
    Map<String, String> data = new LinkedHashMap<>();
    data.put("timestamp", e.timestamp().toString());
    data.put("severity", e.severity().name());
    data.put("message", e.message());
    return frame("log", line.cursor(), data);
  }

  private String frame(String event, String id, Object data) {
    StringBuilder frame = new StringBuilder();
    frame.append("event: ").append(event).append('\n');
    if (id != null) {
      frame.append("id: ").append(id).append('\n');
    }
    try {
      frame.append("data: ").append(json.writeValueAsString(data)).append("\n\n");
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    return frame.toString();
  }

  private static String line(LogEntry e) {
    return e.timestamp() + " " + e.severity() + " " + e.message().replace("\n", "\n    ") + "\n";
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
