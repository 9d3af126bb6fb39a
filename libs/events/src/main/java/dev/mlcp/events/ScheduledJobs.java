package dev.mlcp.events;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Every scheduled job of mlcp: which service endpoint is called how often, and as whom. The one
 * definition the local scheduler ({@code infra/local}) reads and Cloud Scheduler's setup is made
 * from, next to {@link Topics} and {@link Subscriptions}.
 *
 * <p>In the cloud each entry is one Cloud Scheduler HTTP job: {@code method} on the service's Cloud
 * Run URL + {@code path}, on {@code cron} (UTC), with an OIDC token of {@code caller}'s service
 * account whose audience is the service URL. Locally the launcher's scheduler calls the service's
 * port every {@code period} with a local admin token.
 */
public final class ScheduledJobs {

  /** The HTTP methods a job may use. */
  public enum Method {
    GET,
    POST,
    PUT,
    DELETE
  }

  /** The identity a job calls with. */
  public enum Caller {
    /**
     * Cloud Scheduler's service account, {@code mlcp-scheduler@<project>.iam.gserviceaccount.com}.
     * Internal endpoints require the admin role, so its email must be listed in {@code
     * mlcp.auth.admins} of the called service.
     */
    SCHEDULER("mlcp-scheduler");

    private final String accountId;

    Caller(String accountId) {
      this.accountId = accountId;
    }

    /** The service account id (the part of the email before {@code @}). */
    public String accountId() {
      return accountId;
    }

    /** The service account email in {@code project}. */
    public String email(String project) {
      return accountId + "@" + project + ".iam.gserviceaccount.com";
    }
  }

  /**
   * One scheduled job.
   *
   * @param name job id, unique, e.g. {@code training-runner-reconcile}
   * @param service the called service
   * @param method the HTTP method
   * @param path the endpoint path on the service, e.g. {@code /internal/reconcile}
   * @param period how often it runs; the same as {@code cron}, for callers without a cron parser
   * @param cron the Cloud Scheduler schedule (unix cron, UTC)
   * @param caller whose token the call carries
   */
  public record Job(
      String name,
      String service,
      Method method,
      String path,
      Duration period,
      String cron,
      Caller caller) {
    /** Rejects incomplete jobs and periods Cloud Scheduler cannot express. */
    public Job {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(service, "service");
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(period, "period");
      Objects.requireNonNull(cron, "cron");
      Objects.requireNonNull(caller, "caller");
      // Cron's resolution is a minute.
      if (period.compareTo(Duration.ofMinutes(1)) < 0
          || !period.equals(Duration.ofMinutes(period.toMinutes()))) {
        throw new IllegalArgumentException(name + ": period must be whole minutes: " + period);
      }
    }
  }

  /** Every job; adding one is one more {@code scheduler(...)} entry. */
  public static final List<Job> ALL =
      List.of(
          scheduler(
              "training-runner-reconcile",
              Subscriptions.TRAINING_RUNNER,
              Method.POST,
              "/internal/reconcile",
              Duration.ofMinutes(1),
              "* * * * *"),
          scheduler(
              "training-runner-schedules-tick",
              Subscriptions.TRAINING_RUNNER,
              Method.POST,
              "/internal/schedules:tick",
              Duration.ofMinutes(1),
              "* * * * *"),
          scheduler(
              "artifact-writer-reconcile",
              Subscriptions.ARTIFACT_WRITER,
              Method.POST,
              "/internal/reconcile",
              Duration.ofMinutes(1),
              "* * * * *"),
          scheduler(
              "serving-deployer-reconcile",
              Subscriptions.SERVING_DEPLOYER,
              Method.POST,
              "/internal/reconcile",
              Duration.ofMinutes(1),
              "* * * * *"),
          scheduler(
              "experiment-vm-reap",
              Subscriptions.EXPERIMENT_VM,
              Method.POST,
              "/internal/reap",
              Duration.ofMinutes(5),
              "*/5 * * * *"));

  private ScheduledJobs() {}

  /** The jobs that call {@code service}. */
  public static List<Job> of(String service) {
    return ALL.stream().filter(j -> j.service().equals(service)).toList();
  }

  /** A job called by {@link Caller#SCHEDULER}, the only caller today. */
  private static Job scheduler(
      String name, String service, Method method, String path, Duration period, String cron) {
    return new Job(name, service, method, path, period, cron, Caller.SCHEDULER);
  }
}
