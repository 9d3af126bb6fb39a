package dev.mlcp.training.logs.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.training.LogsConfig;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunRepository;
import dev.mlcp.training.runs.api.RunAccess;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code GET /v1/runs/{id}/logs}: the run's container logs as text, or with {@code follow=true} as
 * Server-Sent Events until the run ends. Each event's id is the resume cursor, so a client that
 * reconnects with {@code Last-Event-ID} (or {@code cursor=}) misses nothing and sees nothing twice.
 */
@Path("/v1/runs/{id}/logs")
public class RunLogsResource {
  static final int PAGE = 500;

  @Inject Logs logs;
  @Inject RunRepository runs;
  @Inject RunAccess access;
  @Inject ObjectMapper json;
  @Inject LogsConfig config;

  @GET
  @Produces({MediaType.TEXT_PLAIN, MediaType.SERVER_SENT_EVENTS})
  @Operation(
      summary = "A run's logs",
      description =
          "text/plain: every entry so far, one line each. follow=true: text/event-stream of"
              + " entries as they arrive, ending with an 'end' event when the run has ended.")
  public Response logs(
      @PathParam("id") String id,
      @QueryParam("follow") boolean follow,
      @QueryParam("cursor") String cursor,
      @HeaderParam("Last-Event-ID") String lastEventId) {
    Run run = access.owned(id);
    String from = lastEventId != null ? lastEventId : cursor;
    if (!follow) {
      StreamingOutput text = out -> writeText(run.id(), from, out);
      return Response.ok(text, MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8")).build();
    }
    StreamingOutput events = out -> follow(run.id(), from, out);
    return Response.ok(events, MediaType.SERVER_SENT_EVENTS_TYPE)
        .header("Cache-Control", "no-cache")
        .header("X-Accel-Buffering", "no")
        .build();
  }

  private void writeText(String runId, String cursor, OutputStream out) throws IOException {
    String position = cursor;
    LogBatch batch;
    do {
      batch = logs.read(runId, position, PAGE);
      for (LogEntry e : batch.entries()) {
        out.write(line(e).getBytes(StandardCharsets.UTF_8));
      }
      position = batch.cursor();
    } while (batch.entries().size() == PAGE);
  }

  private void follow(String runId, String cursor, OutputStream out) throws IOException {
    String position = cursor;
    Instant giveUp = Instant.now().plus(config.followMax());
    boolean ended = false;
    send(out, "open", position, Map.of("runId", runId));
    while (Instant.now().isBefore(giveUp)) {
      LogBatch batch = logs.read(runId, position, PAGE);
      for (LogEntry e : batch.entries()) {
        send(
            out,
            "log",
            batch.cursor(),
            Map.of(
                "timestamp", e.timestamp().toString(),
                "severity", e.severity().name(),
                "message", e.message()));
      }
      position = batch.cursor();
      if (batch.entries().size() == PAGE) {
        continue;
      }
      if (ended) {
        break;
      }
      // Read once more after the run ended: entries written just before the end still come.
      ended = runs.find(runId).map(r -> r.state().terminal()).orElse(true);
      if (!ended) {
        sleep(config.followPoll());
        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }
    Run run = runs.find(runId).orElse(null);
    send(
        out,
        "end",
        position,
        Map.of("runId", runId, "state", run == null ? "UNKNOWN" : run.state().name()));
  }

  private void send(OutputStream out, String event, String id, Object data) throws IOException {
    StringBuilder frame = new StringBuilder();
    frame.append("event: ").append(event).append('\n');
    if (id != null) {
      frame.append("id: ").append(id).append('\n');
    }
    frame.append("data: ").append(json.writeValueAsString(data)).append("\n\n");
    out.write(frame.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String line(LogEntry e) {
    return e.timestamp() + " " + e.severity() + " " + e.message().replace("\n", "\n    ") + "\n";
  }

  private static void sleep(Duration d) throws IOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
