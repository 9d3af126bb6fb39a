package dev.mlcp.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlcp.events.ScheduledJobs;
import dev.mlcp.events.ScheduledJobs.Caller;
import dev.mlcp.events.ScheduledJobs.Job;
import dev.mlcp.web.auth.AuthConfig;
import dev.mlcp.web.token.MlcpToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The local stand-in for Cloud Scheduler: calls every job of {@link ScheduledJobs#ALL} on its
 * service's local port at the job's period, with a freshly minted local token of the job's caller
 * (the scheduler's identity is the local admin, {@value AuthConfig#LOCAL_ADMIN_EMAIL}).
 *
 * <p>Each call is one log line (time, job, HTTP status, duration, the start of the body) and
 * replaces the job's last tick in the state file. A failed call (service down, error status,
 * timeout) is logged and the job runs again at its next period: nothing stops the scheduler but its
 * process ending. Missed periods (a call longer than the period) are skipped, not made up.
 *
 * <pre>
 * Scheduler run KEY_DIR STATE_FILE SERVICE=PORT...   ticks until killed; log lines on stdout
 * Scheduler status STATE_FILE                        one line per job: period, last tick
 * </pre>
 *
 * <p>A command-line tool: its log and its status are standard output.
 */
public final class Scheduler implements AutoCloseable {

  /** Longest a call may take; Cloud Scheduler's default attempt deadline is 3 min. */
  static final Duration CALL_TIMEOUT = Duration.ofMinutes(3);

  /** How much of a response body a log line and the state keep. */
  static final int SUMMARY_CHARS = 160;

  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One call of a job.
   *
   * @param at when the call started
   * @param status the HTTP status, 0 when no response came (refused, timed out)
   * @param millis how long the call took
   * @param summary the start of the response body, or why there was no response
   */
  record Tick(Instant at, int status, long millis, String summary) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /**
   * One job as the state file shows it.
   *
   * @param url what is called
   * @param period how often
   * @param last the last call, null before the first
   */
  record JobState(String url, Duration period, Tick last) {}

  /**
   * The state file: {@code jobs} by name, in the order of {@link ScheduledJobs#ALL}.
   *
   * @param startedAt when this scheduler started
   * @param jobs every job and its last tick
   */
  record State(Instant startedAt, Map<String, JobState> jobs) {}

  /** Mints the bearer token a job's caller presents. */
  @FunctionalInterface
  interface Tokens {
    String token(Caller caller) throws IOException;
  }

  private final List<Job> jobs;
  private final Map<String, Integer> ports;
  private final Tokens tokens;
  private final Path stateFile;
  private final PrintStream log;
  private final Function<Job, Duration> period;
  private final Clock clock;
  private final HttpClient http;
  private final Map<String, JobState> state = new LinkedHashMap<>();
  private ScheduledExecutorService executor;
  private Instant startedAt;

  /**
   * A scheduler that has not started yet.
   *
   * @param jobs the jobs to run
   * @param ports each service's port on 127.0.0.1
   * @param tokens the callers' tokens
   * @param stateFile where the last tick of each job is kept
   * @param log where tick lines go
   * @param period a job's period here ({@link Job#period()} but in tests)
   * @param clock the time of ticks
   */
  Scheduler(
      List<Job> jobs,
      Map<String, Integer> ports,
      Tokens tokens,
      Path stateFile,
      PrintStream log,
      Function<Job, Duration> period,
      Clock clock) {
    this.jobs = List.copyOf(jobs);
    this.ports = Map.copyOf(ports);
    this.tokens = tokens;
    this.stateFile = stateFile;
    this.log = log;
    this.period = period;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** Entry point; see the class comment for the commands. */
  public static void main(String[] args) throws Exception {
    if (args.length >= 3 && args[0].equals("run")) {
      Map<String, Integer> ports = new HashMap<>();
      for (int i = 3; i < args.length; i++) {
        String[] kv = args[i].split("=", 2);
        ports.put(kv[0], Integer.parseInt(kv[1]));
      }
      Scheduler scheduler =
          new Scheduler(
              ScheduledJobs.ALL,
              ports,
              minting(Path.of(args[1])),
              Path.of(args[2]),
              System.out,
              Job::period,
              Clock.systemUTC());
      scheduler.start();
      // Ticks run on the executor's threads until the process is stopped.
      Thread.currentThread().join();
    } else if (args.length == 2 && args[0].equals("status")) {
      State state = null;
      try {
        state = readState(Path.of(args[1]));
      } catch (IOException e) {
        System.out.println("scheduler state unreadable (" + args[1] + "): " + e.getMessage());
      }
      statusLines(ScheduledJobs.ALL, state, Instant.now()).forEach(System.out::println);
    } else {
      System.err.println(
          "usage: Scheduler run KEY_DIR STATE_FILE SERVICE=PORT... | Scheduler status STATE_FILE");
      System.exit(2);
    }
  }

  /** Tokens minted with the local key in {@code keyDir}, one per call so none expires. */
  static Tokens minting(Path keyDir) {
    return caller -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      String[] args = {
        "mint", "--key", keyDir.toString(), "--email", localEmail(caller), "--ttl", "10m"
      };
      int status =
          MlcpToken.run(
              args,
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      if (status != 0) {
        throw new IOException("cannot mint a token: " + err.toString(StandardCharsets.UTF_8));
      }
      return out.toString(StandardCharsets.UTF_8).trim();
    };
  }

  /** Who a caller is in local mode: the launcher lists only the local admin as admin. */
  static String localEmail(Caller caller) {
    return switch (caller) {
      case SCHEDULER -> AuthConfig.LOCAL_ADMIN_EMAIL;
    };
  }

  /** Writes the initial state and starts every job; the first calls are made at once. */
  synchronized void start() throws IOException {
    startedAt = clock.instant();
    for (Job job : jobs) {
      state.put(job.name(), new JobState(url(job), period.apply(job), null));
    }
    writeState(stateFile, new State(startedAt, state));
    log.printf("%s scheduler started: %d jobs, state %s%n", startedAt, jobs.size(), stateFile);
    executor =
        Executors.newScheduledThreadPool(
            jobs.size(),
            r -> {
              Thread t = new Thread(r, "scheduler-tick");
              t.setDaemon(true);
              return t;
            });
    long origin = System.nanoTime();
    for (Job job : jobs) {
      executor.execute(() -> runAndReschedule(job, origin));
    }
  }

  /** Stops ticking; a call under way is interrupted. */
  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  private void runAndReschedule(Job job, long origin) {
    try {
      tick(job);
    } catch (RuntimeException e) {
      // A bug in one tick must not end the job's schedule.
      log.printf("%s %s tick failed: %s%n", clock.instant(), job.name(), e);
    }
    // Due times stay on the grid origin + k * period; the ones already past are skipped.
    long p = period.apply(job).toNanos();
    long elapsed = System.nanoTime() - origin;
    long next = (elapsed / p + 1) * p;
    try {
      executor.schedule(() -> runAndReschedule(job, origin), next - elapsed, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Closed.
    }
  }

  /** Calls one job once, logs and records the result. */
  void tick(Job job) {
    Instant at = clock.instant();
    long t0 = System.nanoTime();
    String token;
    try {
      token = tokens.token(job.caller());
    } catch (IOException | RuntimeException e) {
      record(job, new Tick(at, 0, millisSince(t0), "not called, no token: " + reason(e)));
      return;
    }
    Tick tick;
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url(job)))
              .timeout(CALL_TIMEOUT)
              .header("Authorization", "Bearer " + token)
              .method(job.method().name(), HttpRequest.BodyPublishers.noBody())
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      tick = new Tick(at, response.statusCode(), millisSince(t0), summary(response.body()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (IOException | RuntimeException e) {
      tick = new Tick(at, 0, millisSince(t0), "no response: " + reason(e));
    }
    record(job, tick);
  }

  private synchronized void record(Job job, Tick tick) {
    log.printf(
        "%s %s %s %s -> %s in %d ms: %s%n",
        tick.at(),
        job.name(),
        job.method(),
        url(job),
        tick.status() == 0 ? "failed" : tick.status(),
        tick.millis(),
        tick.summary());
    state.computeIfPresent(job.name(), (name, s) -> new JobState(s.url(), s.period(), tick));
    try {
      writeState(stateFile, new State(startedAt, state));
    } catch (IOException e) {
      log.printf("%s state not written to %s: %s%n", clock.instant(), stateFile, e);
    }
  }

  private String url(Job job) {
    Integer port = ports.get(job.service());
    // No port: the call fails and says so, like a service that is down.
    return "http://127.0.0.1:" + (port == null ? "0" : port) + job.path();
  }

  private static long millisSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** The exception's type and the first message of its chain (a refused connection has none). */
  private static String reason(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        return e.getClass().getSimpleName() + ": " + t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  /** The body on one line, cut to {@link #SUMMARY_CHARS}. */
  static String summary(String body) {
    String line = body == null ? "" : body.replaceAll("\\s+", " ").strip();
    if (line.isEmpty()) {
      return "(empty body)";
    }
    return line.length() <= SUMMARY_CHARS ? line : line.substring(0, SUMMARY_CHARS) + "...";
  }

  /** Replaces the state file in one rename, so a reader never sees half of it. */
  static void writeState(Path file, State state) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(state));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The state file, or null when the scheduler never ran. */
  static State readState(Path file) throws IOException {
    return Files.exists(file) ? JSON.readValue(file.toFile(), State.class) : null;
  }

  /**
   * The status of every job: its period and its last tick, {@code LATE} when the last tick is older
   * than two periods (the scheduler is not ticking), {@code FAILING} when it was not a 2xx.
   */
  static List<String> statusLines(List<Job> jobs, State state, Instant now) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format("%-34s %-7s %s", "SCHEDULED JOB", "EVERY", "LAST TICK"));
    for (Job job : jobs) {
      JobState s = state == null ? null : state.jobs().get(job.name());
      Duration every = s == null ? job.period() : s.period();
      String last;
      if (s == null || s.last() == null) {
        last = state == null ? "never (the scheduler has not run)" : "none yet";
      } else {
        Tick t = s.last();
        Duration age = Duration.between(t.at(), now);
        last =
            age(age)
                + " ago: "
                + (t.status() == 0
                    ? t.summary()
                    : "HTTP " + t.status() + " in " + t.millis() + " ms")
                + (t.ok() ? "" : "  FAILING")
                + (age.compareTo(every.multipliedBy(2)) > 0 ? "  LATE" : "");
      }
      lines.add(String.format("%-34s %-7s %s", job.name(), every(every), last));
    }
    return lines;
  }

  /** A period: 1 min, 6 h, 1 d; 200 ms or 5 s for test periods. */
  static String every(Duration d) {
    if (d.toMillis() < 1000 || d.toMillisPart() != 0) {
      return d.toMillis() + " ms";
    }
    long s = d.toSeconds();
    if (s % 60 != 0) {
      return s + " s";
    }
    if (s % 3600 != 0) {
      return s / 60 + " min";
    }
    return s % 86400 != 0 ? s / 3600 + " h" : s / 86400 + " d";
  }

  /** An age, rounded down: 45 s, 12 min, 3 h, 2 d. */
  static String age(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + " s";
    }
    if (s < 120 * 60) {
      return s / 60 + " min";
    }
    if (s < 48 * 3600) {
      return s / 3600 + " h";
    }
    return s / 86400 + " d";
  }
}
