package dev.mlcp.training.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.logs.Severity;
import dev.mlcp.platform.logs.local.JsonLinesLogs;
import dev.mlcp.training.logs.FollowLimitExceededException.Limit;
import dev.mlcp.training.logs.LogFollows.RunStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogFollows} over the real local log store: shared polls, positions, back-off, caps, credit
 * and ends. Timings are short but the assertions leave room for a loaded machine.
 */
class LogFollowsTest {
  static final int PAGE = 5;
  static final Duration MIN_POLL = Duration.ofMillis(20);

  @TempDir Path root;
  CountingLogs logs;
  final Map<String, RunStatus> statuses = new ConcurrentHashMap<>();
  final List<LogFollows> opened = new ArrayList<>();
  final AtomicInteger written = new AtomicInteger();

  @BeforeEach
  void setUp() {
    logs = new CountingLogs(new JsonLinesLogs(root));
  }

  @AfterEach
  void tearDown() {
    opened.forEach(LogFollows::close);
  }

  LogFollows follows(Duration maxPoll, Duration maxFollow, int perUser, int perInstance) {
    LogFollows f =
        new LogFollows(
            logs,
            run -> statuses.getOrDefault(run, new RunStatus("RUNNING", false)),
            new LogFollows.Settings(
                MIN_POLL,
                maxPoll,
                maxFollow,
                Duration.ofSeconds(30),
                perUser,
                perInstance,
                2,
                PAGE,
                2 * PAGE));
    opened.add(f);
    return f;
  }

  LogFollows follows() {
    return follows(Duration.ofMillis(100), Duration.ofMinutes(5), 50, 100);
  }

  /** Writes {@code n} entries named {@code <prefix>-<i>}, one write call each. */
  void write(String run, String prefix, int n) {
    for (int i = 0; i < n; i++) {
      logs.write(
          run,
          List.of(
              new LogEntry(
                  Instant.parse("2026-05-01T00:00:00Z").plusMillis(written.incrementAndGet()),
                  Severity.INFO,
                  prefix + "-" + i,
                  Map.of())));
    }
  }

  List<String> messagesAfter(String run, String cursor) {
    List<String> all = new ArrayList<>();
    LogBatch batch;
    String position = cursor;
    do {
      batch = logs.delegate.read(run, position, 100);
      batch.entries().forEach(e -> all.add(e.message()));
      position = batch.cursor();
    } while (!batch.entries().isEmpty());
    return all;
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void a_follower_gets_entries_as_they_arrive_then_the_end_when_the_run_ends() throws Exception {
    LogFollows follows = follows();
    write("run-a", "before", 3);
    Recorder r = Recorder.start(follows.open("ana", "run-a", null), Long.MAX_VALUE);

    write("run-a", "during", 12);
    await(() -> r.messages().size() == 15, "15 lines");
    write("run-a", "last", 2);
    statuses.put("run-a", new RunStatus("SUCCEEDED", true));

    assertThat(r.ended.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(r.messages()).containsExactlyElementsOf(messagesAfter("run-a", null));
    assertThat(r.messages()).endsWith("last-0", "last-1").hasSize(17);
    assertThat(r.endState.get()).isEqualTo("SUCCEEDED");
    assertThat(r.endCursor.get()).isEqualTo(r.lines.get(16).cursor());
    await(() -> follows.openFollows() == 0, "the follow to be closed");
  }

  @Test
  void resuming_from_any_delivered_cursor_misses_nothing_and_repeats_nothing() throws Exception {
    LogFollows follows = follows();
    write("run-r", "e", 23);
    Recorder first = Recorder.start(follows.open("ana", "run-r", null), Long.MAX_VALUE);
    await(() -> first.lines.size() == 23, "23 lines");
    // Cursors from the first and the last page, from before the feed's window and at its head.
    for (int k : new int[] {0, 3, 4, 5, 11, 17, 22}) {
      String cursor = first.lines.get(k).cursor();
      Recorder resumed = Recorder.start(follows.open("bob", "run-r", cursor), Long.MAX_VALUE);
      if (k == 22) {
        write("run-r", "more", 2);
      }
      int expected = 22 - k + (k == 22 ? 2 : 0);
      await(() -> resumed.lines.size() >= expected, expected + " lines after " + k);
      Thread.sleep(50);
      assertThat(resumed.messages())
          .as("from %d", k)
          .containsExactlyElementsOf(messagesAfter("run-r", cursor));
      resumed.follow.close();
    }
    statuses.put("run-r", new RunStatus("FAILED", true));
    assertThat(first.ended.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(first.messages()).containsExactlyElementsOf(messagesAfter("run-r", null));
  }

  @Test
  void followers_of_one_run_share_one_poll() throws Exception {
    LogFollows follows = follows(MIN_POLL, Duration.ofMinutes(5), 50, 100);
    List<Recorder> recorders = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      recorders.add(Recorder.start(follows.open("u" + i, "run-s", null), Long.MAX_VALUE));
    }
    Recorder other = Recorder.start(follows.open("ana", "run-o", null), Long.MAX_VALUE);
    write("run-s", "warm", 1);
    await(() -> recorders.stream().allMatch(r -> r.lines.size() == 1), "all caught up");
    assertThat(follows.feeds()).isEqualTo(2);

    long before = logs.reads("run-s");
    long start = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      write("run-s", "tick", 1);
      Thread.sleep(50);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long reads = logs.reads("run-s") - before;

    await(() -> recorders.stream().allMatch(r -> r.lines.size() == 21), "all 21 lines");
    for (Recorder r : recorders) {
      assertThat(r.messages()).containsExactlyElementsOf(messagesAfter("run-s", null));
    }
    // One poll per interval for the run, however many follow it (ten polling each: ~10x).
    assertThat(reads).isLessThanOrEqualTo(Math.round(seconds * 1000 / MIN_POLL.toMillis()) + 10);
    assertThat(other.lines).isEmpty();
  }

  @Test
  void idle_polls_back_off_and_new_entries_reset_the_interval() throws Exception {
    LogFollows follows = follows(Duration.ofMillis(320), Duration.ofMinutes(5), 50, 100);
    Recorder r = Recorder.start(follows.open("ana", "run-b", null), Long.MAX_VALUE);
    Thread.sleep(1000);
    long idleStart = logs.reads("run-b");
    Thread.sleep(1000);
    long idle = logs.reads("run-b") - idleStart;

    long activeStart = logs.reads("run-b");
    for (int i = 0; i < 30; i++) {
      write("run-b", "busy", 1);
      Thread.sleep(30);
    }
    long active = logs.reads("run-b") - activeStart;

    // Idle at 320 ms instead of 20 ms: about 3 reads a second, not 50.
    assertThat(idle).isBetween(1L, 6L);
    // Entries arriving every 30 ms bring the interval back to 20-40 ms (stuck at 320: 3 reads).
    assertThat(active).isGreaterThanOrEqualTo(8);
    await(() -> r.lines.size() == 30, "30 lines");
  }

  @Test
  void follows_are_capped_per_user_and_per_instance() {
    LogFollows follows = follows(Duration.ofMillis(100), Duration.ofMinutes(5), 3, 5);
    List<LogFollows.Follow> anas = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      anas.add(follows.open("ana", "run-c" + i, null));
    }

    assertThatThrownBy(() -> follows.open("ana", "run-c9", null))
        .isInstanceOfSatisfying(
            FollowLimitExceededException.class,
            e -> {
              assertThat(e.limit()).isEqualTo(Limit.PER_USER);
              assertThat(e.max()).isEqualTo(3);
              assertThat(e.current()).isEqualTo(3);
            });
    follows.open("bob", "run-c0", null);
    follows.open("bob", "run-c1", null);
    assertThatThrownBy(() -> follows.open("carol", "run-c0", null))
        .isInstanceOfSatisfying(
            FollowLimitExceededException.class,
            e -> {
              assertThat(e.limit()).isEqualTo(Limit.PER_INSTANCE);
              assertThat(e.max()).isEqualTo(5);
              assertThat(e.current()).isEqualTo(5);
            });

    anas.get(0).close();
    anas.get(0).close();
    assertThat(follows.openFollows()).isEqualTo(4);
    assertThat(follows.openFollows("ana")).isEqualTo(2);
    follows.open("carol", "run-c0", null);
    assertThat(follows.openFollows()).isEqualTo(5);
  }

  @Test
  void a_slow_follower_gets_at_most_a_page_beyond_what_it_asked_and_holds_back_no_one()
      throws Exception {
    LogFollows follows = follows();
    Recorder slow = Recorder.start(follows.open("ana", "run-w", null), 0);
    Recorder fast = Recorder.start(follows.open("bob", "run-w", null), Long.MAX_VALUE);

    write("run-w", "e", 30);
    await(() -> fast.lines.size() == 30, "the fast follower to get all");
    Thread.sleep(200);
    assertThat(slow.lines).hasSize(PAGE);

    slow.follow.request(10);
    await(() -> slow.lines.size() == PAGE + 10, "10 more");
    Thread.sleep(200);
    assertThat(slow.lines).hasSize(PAGE + 10);
    slow.follow.request(Long.MAX_VALUE);
    await(() -> slow.lines.size() == 30, "the rest");
    assertThat(slow.messages()).containsExactlyElementsOf(messagesAfter("run-w", null));
  }

  @Test
  void closing_the_last_follower_frees_its_slot_and_stops_the_poll() throws Exception {
    LogFollows follows = follows();
    Recorder r = Recorder.start(follows.open("ana", "run-x", null), Long.MAX_VALUE);
    write("run-x", "e", 1);
    await(() -> r.lines.size() == 1, "1 line");

    r.follow.close();
    await(() -> follows.feeds() == 0, "the feed to go");
    long reads = logs.reads("run-x");
    Thread.sleep(300);

    assertThat(logs.reads("run-x")).isEqualTo(reads);
    assertThat(follows.openFollows()).isZero();
  }

  @Test
  void a_follow_ends_at_its_longest_duration_with_the_runs_state() throws Exception {
    LogFollows follows = follows(Duration.ofMillis(100), Duration.ofMillis(300), 50, 100);
    Recorder r = Recorder.start(follows.open("ana", "run-l", null), Long.MAX_VALUE);

    assertThat(r.ended.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(r.endState.get()).isEqualTo("RUNNING");
    assertThat(follows.openFollows()).isZero();
  }

  @Test
  void a_follower_of_a_run_that_has_ended_gets_its_log_and_the_end() throws Exception {
    LogFollows follows = follows();
    write("run-d", "e", 12);
    statuses.put("run-d", new RunStatus("CANCELLED", true));

    Recorder r = Recorder.start(follows.open("ana", "run-d", null), Long.MAX_VALUE);
    assertThat(r.ended.await(10, TimeUnit.SECONDS)).isTrue();
    Recorder late = Recorder.start(follows.open("bob", "run-d", r.lines.get(6).cursor()), 100);
    assertThat(late.ended.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(r.messages()).containsExactlyElementsOf(messagesAfter("run-d", null));
    assertThat(late.messages())
        .containsExactlyElementsOf(messagesAfter("run-d", r.lines.get(6).cursor()));
    assertThat(r.endState.get()).isEqualTo("CANCELLED");
  }

  @Test
  void a_follow_that_is_never_started_is_released_when_closed() {
    LogFollows follows = follows(Duration.ofMillis(100), Duration.ofMinutes(5), 1, 5);
    LogFollows.Follow f = follows.open("ana", "run-n", null);
    f.close();

    assertThat(follows.openFollows("ana")).isZero();
    follows.open("ana", "run-n", null);
  }

  @Test
  void reads_that_keep_failing_fail_the_followers() throws Exception {
    Logs broken =
        new CountingLogs(new JsonLinesLogs(root)) {
          @Override
          public LogBatch read(String runId, String cursor, int max) {
            throw new IllegalStateException("logging is down");
          }
        };
    LogFollows follows =
        new LogFollows(
            broken,
            run -> new RunStatus("RUNNING", false),
            new LogFollows.Settings(
                MIN_POLL,
                Duration.ofMillis(50),
                Duration.ofMinutes(5),
                Duration.ofSeconds(30),
                5,
                5,
                1,
                PAGE,
                PAGE));
    opened.add(follows);
    Recorder r = Recorder.start(follows.open("ana", "run-f", null), Long.MAX_VALUE);

    assertThat(r.failed.await(10, TimeUnit.SECONDS)).isTrue();
    // The follower hears of the failure first; its slot is freed right after.
    await(() -> follows.openFollows() == 0, "the failed follow's slot to be freed");
  }

  /** Records what one follow delivers. */
  static final class Recorder implements LogFollows.Listener {
    final List<LogFollows.Line> lines = new CopyOnWriteArrayList<>();
    final AtomicReference<String> endState = new AtomicReference<>();
    final AtomicReference<String> endCursor = new AtomicReference<>();
    final CountDownLatch ended = new CountDownLatch(1);
    final CountDownLatch failed = new CountDownLatch(1);
    LogFollows.Follow follow;

    static Recorder start(LogFollows.Follow follow, long request) {
      Recorder r = new Recorder();
      r.follow = follow;
      follow.request(request);
      follow.start(r);
      return r;
    }

    List<String> messages() {
      return lines.stream().map(l -> l.entry().message()).toList();
    }

    @Override
    public void line(LogFollows.Line line) {
      lines.add(line);
    }

    @Override
    public void keepAlive() {}

    @Override
    public void end(String state, String cursor) {
      endState.set(state);
      endCursor.set(cursor);
      ended.countDown();
    }

    @Override
    public void failed(RuntimeException error) {
      failed.countDown();
    }
  }

  /** The local store, counting reads per run. */
  static class CountingLogs implements Logs {
    final Logs delegate;
    final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();

    CountingLogs(Logs delegate) {
      this.delegate = delegate;
    }

    long reads(String run) {
      AtomicInteger n = reads.get(run);
      return n == null ? 0 : n.get();
    }

    @Override
    public void write(String runId, List<LogEntry> entries) {
      delegate.write(runId, entries);
    }

    @Override
    public LogBatch read(String runId, String cursor, int max) {
      reads.computeIfAbsent(runId, r -> new AtomicInteger()).incrementAndGet();
      return delegate.read(runId, cursor, max);
    }
  }
}
