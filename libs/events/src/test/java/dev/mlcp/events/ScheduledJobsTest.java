package dev.mlcp.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.mlcp.events.ScheduledJobs.Caller;
import dev.mlcp.events.ScheduledJobs.Job;
import dev.mlcp.events.ScheduledJobs.Method;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ScheduledJobsTest {

  @Test
  void reconcile_and_schedule_ticks_are_posted_to_training_runner_every_minute() {
    assertThat(ScheduledJobs.ALL)
        .extracting(Job::name, Job::service, Job::method, Job::path, Job::period)
        .contains(
            tuple(
                "training-runner-reconcile",
                "training-runner",
                Method.POST,
                "/internal/reconcile",
                Duration.ofMinutes(1)),
            tuple(
                "training-runner-schedules-tick",
                "training-runner",
                Method.POST,
                "/internal/schedules:tick",
                Duration.ofMinutes(1)));
  }

  @Test
  void the_notebook_reaper_is_posted_to_experiment_vm_every_five_minutes() {
    assertThat(ScheduledJobs.of("experiment-vm"))
        .extracting(Job::name, Job::method, Job::path, Job::period, Job::cron)
        .containsExactly(
            tuple(
                "experiment-vm-reap",
                Method.POST,
                "/internal/reap",
                Duration.ofMinutes(5),
                "*/5 * * * *"));
  }

  @Test
  void job_names_are_unique() {
    assertThat(ScheduledJobs.ALL).extracting(Job::name).doesNotHaveDuplicates();
  }

  @Test
  void every_job_calls_an_internal_endpoint_as_the_scheduler() {
    // /internal/ endpoints require the admin role, which the scheduler's identity holds.
    assertThat(ScheduledJobs.ALL)
        .allSatisfy(
            j -> {
              assertThat(j.path()).startsWith("/internal/");
              assertThat(j.caller()).isEqualTo(Caller.SCHEDULER);
            });
  }

  @Test
  void every_jobs_cron_fires_at_its_period() {
    assertThat(ScheduledJobs.ALL)
        .allSatisfy(j -> assertThat(periodOf(j.cron())).as(j.name()).isEqualTo(j.period()));
  }

  @Test
  void every_job_calls_a_service_that_exists() {
    List<String> services =
        List.of(
            Subscriptions.EXPERIMENT_VM,
            Subscriptions.TRAINING_RUNNER,
            Subscriptions.ARTIFACT_WRITER,
            Subscriptions.SERVING_DEPLOYER);
    assertThat(ScheduledJobs.ALL).extracting(Job::service).allMatch(services::contains);
  }

  @Test
  void of_selects_the_jobs_of_one_service() {
    assertThat(ScheduledJobs.of("training-runner")).hasSize(2);
    assertThat(ScheduledJobs.of("serving-deployer"))
        .extracting(Job::path)
        .containsExactly("/internal/reconcile");
    assertThat(ScheduledJobs.of("no-such-service")).isEmpty();
  }

  @Test
  void a_period_cron_cannot_express_is_rejected() {
    assertThatThrownBy(() -> job(Duration.ofSeconds(30))).hasMessageContaining("whole minutes");
    assertThatThrownBy(() -> job(Duration.ofSeconds(90))).hasMessageContaining("whole minutes");
    assertThat(job(Duration.ofMinutes(5)).period()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void the_scheduler_account_email_is_in_the_project() {
    assertThat(Caller.SCHEDULER.email("mlcp-prod"))
        .isEqualTo("mlcp-scheduler@mlcp-prod.iam.gserviceaccount.com");
  }

  @Test
  void the_cron_reader_of_this_test_knows_the_usual_forms() {
    assertThat(periodOf("* * * * *")).isEqualTo(Duration.ofMinutes(1));
    assertThat(periodOf("*/5 * * * *")).isEqualTo(Duration.ofMinutes(5));
    assertThat(periodOf("7 * * * *")).isEqualTo(Duration.ofHours(1));
    assertThat(periodOf("0 */6 * * *")).isEqualTo(Duration.ofHours(6));
    assertThat(periodOf("30 3 * * *")).isEqualTo(Duration.ofDays(1));
    assertThatThrownBy(() -> periodOf("*/7 * * * *")).isInstanceOf(AssertionError.class);
  }

  private static Job job(Duration period) {
    return new Job(
        "x", "training-runner", Method.POST, "/internal/x", period, "* * * * *", Caller.SCHEDULER);
  }

  private static final Pattern STEP = Pattern.compile("\\*/(\\d+)");
  private static final Pattern NUMBER = Pattern.compile("\\d+");

  /**
   * The period of a cron that fires at a fixed rate: every n minutes, every n hours or daily. A
   * step must divide its field's range, or the cron's gaps are uneven ({@code *}/7 minutes fires at
   * :56 and :00).
   */
  static Duration periodOf(String cron) {
    String[] f = cron.trim().split("\\s+");
    assertThat(f).as("five fields: " + cron).hasSize(5);
    assertThat(List.of(f[2], f[3], f[4])).as("day, month, weekday: " + cron).containsOnly("*");
    if (f[1].equals("*")) {
      if (f[0].equals("*")) {
        return Duration.ofMinutes(1);
      }
      Matcher step = STEP.matcher(f[0]);
      if (step.matches()) {
        return Duration.ofMinutes(evenStep(step.group(1), 60, cron));
      }
      assertThat(f[0]).as("minute: " + cron).matches(NUMBER);
      return Duration.ofHours(1);
    }
    assertThat(f[0]).as("minute of an hourly or daily cron: " + cron).matches(NUMBER);
    Matcher step = STEP.matcher(f[1]);
    if (step.matches()) {
      return Duration.ofHours(evenStep(step.group(1), 24, cron));
    }
    assertThat(f[1]).as("hour: " + cron).matches(NUMBER);
    return Duration.ofDays(1);
  }

  private static int evenStep(String text, int range, String cron) {
    int step = Integer.parseInt(text);
    assertThat(range % step).as("step divides " + range + ": " + cron).isZero();
    return step;
  }
}
