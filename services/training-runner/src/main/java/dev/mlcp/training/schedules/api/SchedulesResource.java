package dev.mlcp.training.schedules.api;

import dev.mlcp.events.RunSpec;
import dev.mlcp.state.Versioned;
import dev.mlcp.training.runs.api.RunView;
import dev.mlcp.training.schedules.Schedule;
import dev.mlcp.training.schedules.ScheduleRepository;
import dev.mlcp.training.schedules.ScheduleService;
import dev.mlcp.web.ApiException;
import dev.mlcp.web.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code /v1/schedules}: retraining schedules, fired by Cloud Scheduler, either one HTTP job per
 * schedule ({@code POST /v1/schedules/{name}:fire}, which sends {@code
 * X-CloudScheduler-ScheduleTime}) or one every-minute job for all ({@code POST
 * /internal/schedules:tick}).
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SchedulesResource {
  @Inject ScheduleService service;
  @Inject ScheduleRepository schedules;
  @Inject Caller caller;

  /**
   * The body of {@code PUT /v1/schedules/{name}}.
   *
   * @param cron five-field unix cron
   * @param timeZone IANA zone, UTC when absent
   * @param template the run to start
   * @param enabled whether ticks fire it (default true)
   */
  public record ScheduleBody(String cron, String timeZone, RunSpec template, Boolean enabled) {}

  @GET
  @Path("v1/schedules")
  @Operation(summary = "List schedules (admins see all, others their own)")
  public List<Schedule> list() {
    return schedules.all().stream().filter(s -> caller.isOwnerOrAdmin(s.owner())).toList();
  }

  @GET
  @Path("v1/schedules/{name: [a-z][-a-z0-9]*}")
  @Operation(summary = "A schedule")
  public Schedule get(@PathParam("name") String name) {
    return owned(name);
  }

  @PUT
  @Path("v1/schedules/{name: [a-z][-a-z0-9]*}")
  @Operation(summary = "Create or replace a schedule; the caller becomes its owner")
  public Schedule put(@PathParam("name") String name, ScheduleBody body) {
    if (body == null) {
      throw new ApiException.BadRequest("body", "must be {cron, timeZone, template, enabled}");
    }
    Optional<Versioned<Schedule>> existing = schedules.read(name);
    existing.ifPresent(e -> caller.requireOwnerOrAdmin(e.document().owner()));
    long generation = existing.map(Versioned::generation).orElse(0L);
    return service.put(
        new Schedule(
            name,
            body.cron(),
            body.timeZone(),
            body.template(),
            existing.map(e -> e.document().owner()).orElse(caller.email()),
            body.enabled() == null || body.enabled(),
            null),
        generation);
  }

  @DELETE
  @Path("v1/schedules/{name: [a-z][-a-z0-9]*}")
  @Operation(summary = "Delete a schedule")
  public Response delete(@PathParam("name") String name) {
    owned(name);
    schedules.delete(name);
    return Response.noContent().build();
  }

  @POST
  @Consumes(MediaType.WILDCARD) // Cloud Scheduler may send any body; it is ignored.
  @Path("v1/schedules/{target: [a-z][-a-z0-9]*:fire}")
  @Operation(
      summary = "Fire a schedule for one tick",
      description =
          "The tick time comes from X-CloudScheduler-ScheduleTime, else ?tick=, else now; a tick"
              + " fires at most one run.")
  public RunView fire(
      @PathParam("target") String target,
      @HeaderParam("X-CloudScheduler-ScheduleTime") String scheduleTime,
      @QueryParam("tick") String tickParam) {
    // One path segment "<name>:fire", as in Google's custom methods.
    Schedule schedule = owned(target.substring(0, target.length() - ":fire".length()));
    String tickText = scheduleTime != null ? scheduleTime : tickParam;
    Instant tick;
    try {
      tick = tickText == null ? Instant.now() : Instant.parse(tickText);
    } catch (DateTimeParseException e) {
      throw new ApiException.BadRequest(
          "tick", "must be an RFC 3339 UTC time, e.g. 2026-11-23T03:00:00Z");
    }
    return RunView.of(service.fire(schedule, tick));
  }

  @POST
  @Consumes(MediaType.WILDCARD)
  @Path("internal/schedules:tick")
  @Operation(
      summary = "Fire every schedule due in the last minutes (Cloud Scheduler, every minute)")
  public List<RunView> tick() {
    caller.requireAdmin();
    return service.tick().stream().map(RunView::of).toList();
  }

  private Schedule owned(String name) {
    if (name == null || !ScheduleService.NAME.matcher(name).matches()) {
      throw new ApiException.NotFound("schedule", String.valueOf(name));
    }
    Schedule s =
        schedules.find(name).orElseThrow(() -> new ApiException.NotFound("schedule", name));
    caller.requireOwnerOrAdmin(s.owner());
    return s;
  }
}
