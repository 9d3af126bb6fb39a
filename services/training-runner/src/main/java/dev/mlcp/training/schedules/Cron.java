package dev.mlcp.training.schedules;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/** Unix cron (Cloud Scheduler's dialect): parse, check, and find ticks in a window. */
public final class Cron {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final ExecutionTime execution;
  private final ZoneId zone;

  private Cron(ExecutionTime execution, ZoneId zone) {
    this.execution = execution;
    this.zone = zone;
  }

  /**
   * Parses {@code expression} in {@code timeZone}.
   *
   * @throws IllegalArgumentException with a message naming what is wrong
   */
  public static Cron parse(String expression, String timeZone) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("cron is required, e.g. '0 3 * * *'");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(timeZone == null ? "UTC" : timeZone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone '" + timeZone + "'");
    }
    try {
      return new Cron(ExecutionTime.forCron(PARSER.parse(expression.trim())), zone);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + expression + "' is not a five-field unix cron: " + e.getMessage());
    }
  }

  /**
   * The latest tick in {@code (after, upTo]}, if any: a late or missed tick fires once, not once
   * per missed minute.
   */
  public Optional<Instant> lastTickIn(Instant after, Instant upTo) {
    Optional<ZonedDateTime> last = execution.lastExecution(upTo.atZone(zone).plusNanos(1));
    return last.map(ZonedDateTime::toInstant).filter(t -> t.isAfter(after) && !t.isAfter(upTo));
  }

  /** The next tick after {@code now}. */
  public Optional<Instant> nextAfter(Instant now) {
    return execution.nextExecution(now.atZone(zone)).map(ZonedDateTime::toInstant);
  }
}
