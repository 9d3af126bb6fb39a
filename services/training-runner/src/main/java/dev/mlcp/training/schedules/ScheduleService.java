package dev.mlcp.training.schedules;

import dev.mlcp.training.runs.InvalidRunSpecException;
import dev.mlcp.training.runs.Run;
import dev.mlcp.training.runs.RunOrigin;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.runs.RunSpecRules;
import dev.mlcp.training.runs.SpecViolation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Retraining schedules. A tick fires a schedule's template as a run whose idempotency key is the
 * schedule name plus the tick time: a tick fires at most one run, however often Cloud Scheduler
 * (at-least-once) or several replicas deliver it.
 */
public class ScheduleService {
  private static final Logger LOG = Logger.getLogger(ScheduleService.class);
  public static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,38}[a-z0-9])?");

  private final ScheduleRepository schedules;
  private final RunService runs;
  private final Clock clock;
  private final Duration lookBack;

  /**
   * @param lookBack how far back a tick looks for a missed cron time (a little more than the
   *     ticker's period)
   */
  public ScheduleService(
      ScheduleRepository schedules, RunService runs, Clock clock, Duration lookBack) {
    this.schedules = schedules;
    this.runs = runs;
    this.clock = clock;
    this.lookBack = lookBack;
  }

  /**
   * Validates and stores {@code schedule}: created when {@code expectedGeneration} is 0, else
   * replacing the version read at that generation.
   *
   * @throws InvalidRunSpecException naming each invalid field
   */
  public Schedule put(Schedule schedule, long expectedGeneration) {
    List<SpecViolation> violations = new ArrayList<>();
    if (schedule.name() == null || !NAME.matcher(schedule.name()).matches()) {
      violations.add(
          new SpecViolation(
              "name", "1-40 lowercase letters, digits and '-', starting with a letter"));
    }
    try {
      Cron.parse(schedule.cron(), schedule.timeZone());
    } catch (IllegalArgumentException e) {
      violations.add(new SpecViolation("cron", e.getMessage()));
    }
    if (schedule.template() == null) {
      violations.add(new SpecViolation("template", "is required"));
    } else {
      violations.addAll(RunSpecRules.check(schedule.template(), "template"));
    }
    if (!violations.isEmpty()) {
      throw new InvalidRunSpecException(violations);
    }
    Schedule stored =
        new Schedule(
            schedule.name(),
            schedule.cron().trim(),
            schedule.timeZone() == null ? "UTC" : schedule.timeZone(),
            schedule.template(),
            schedule.owner(),
            schedule.enabled(),
            clock.instant());
    schedules.put(stored, expectedGeneration);
    return stored;
  }

  /**
   * Fires {@code schedule} for the tick at {@code tick} (truncated to the minute).
   *
   * @return the run of that tick: a new one, or the one an earlier delivery started
   */
  public Run fire(Schedule schedule, Instant tick) {
    Instant minute = tick.truncatedTo(ChronoUnit.MINUTES);
    String key = "schedule:" + schedule.name() + "@" + minute;
    Run run =
        runs.submit(
            new RunService.Submission(
                schedule.owner(),
                RunOrigin.schedule(schedule.name()),
                schedule.template(),
                key,
                null));
    LOG.infof("schedule %s tick %s → %s", schedule.name(), minute, run.id());
    return run;
  }

  /**
   * One tick of the ticker (Cloud Scheduler, every minute): fires every enabled schedule whose cron
   * had a time in the look-back window.
   *
   * @return the runs fired (or found already fired)
   */
  public List<Run> tick() {
    Instant now = clock.instant();
    List<Run> fired = new ArrayList<>();
    for (Schedule s : schedules.all()) {
      if (!s.enabled()) {
        continue;
      }
      Optional<Instant> due =
          Cron.parse(s.cron(), s.timeZone()).lastTickIn(now.minus(lookBack), now);
      if (due.isPresent()) {
        try {
          fired.add(fire(s, due.get()));
        } catch (RuntimeException e) {
          LOG.errorf("schedule %s could not fire: %s", s.name(), e.getMessage());
        }
      }
    }
    return fired;
  }
}
