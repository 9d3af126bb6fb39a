package dev.mlcp.training.schedules;

import dev.mlcp.events.RunSpec;
import java.time.Instant;

/**
 * A retraining schedule: a run template fired on a cron.
 *
 * @param name schedule name (GCE-name rules)
 * @param cron unix cron, five fields, as Cloud Scheduler takes it (e.g. {@code 0 3 * * 1})
 * @param timeZone IANA time zone the cron is read in
 * @param template the run each tick starts
 * @param owner who owns the runs it starts
 * @param enabled disabled schedules do not fire on ticks (an explicit fire still works)
 * @param updatedAt last change
 */
public record Schedule(
    String name,
    String cron,
    String timeZone,
    RunSpec template,
    String owner,
    boolean enabled,
    Instant updatedAt) {}
