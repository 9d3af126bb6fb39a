package dev.mlcp.training.logs;

import dev.mlcp.platform.logs.LogBatch;
import dev.mlcp.platform.logs.LogEntry;
import dev.mlcp.platform.logs.Logs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Live follows of run logs that hold no thread per follower. Each followed run has one feed: a
 * timer-driven poll of {@link Logs#read} (and of the run's state while it is caught up) on a small
 * fixed pool, whose new entries are handed to every follower of the run. The poll backs off from
 * {@link Settings#minPoll} to {@link Settings#maxPoll} while nothing arrives and returns to the
 * minimum as soon as something does.
 *
 * <p>Every follower keeps its own position. Positions are the store's cursors, and a store gives
 * the same entry the same cursor whichever read returned it, so a follower whose cursor is one the
 * feed has passed through joins the feed there; any other follower (one resuming from further back,
 * or one that fell behind the entries the feed keeps) reads on its own, a page at a time, until its
 * cursor is one the feed knows. Entries are delivered in order, each with the cursor right after
 * it, so a client that resumes from the last cursor it received misses nothing and sees nothing
 * twice.
 *
 * <p>A follower receives at most {@link Settings#page} entries beyond what it has asked for ({@link
 * Follow#request}), so a slow client costs a bounded amount of memory and the feed keeps only the
 * entries some follower still needs (at most {@link Settings#maxWindow}). When the run has ended,
 * each follower gets the entries written up to the end, then {@link Listener#end}.
 *
 * <p>All state is confined to one scheduler thread; reads run on {@link Settings#readThreads}
 * threads of their own, so followers never occupy the threads requests and event handlers run on.
 * Follows are capped per user and per instance ({@link FollowLimitExceededException}).
 */
public final class LogFollows implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LogFollows.class.getName());

  /** Consecutive failed reads after which a feed's followers are failed. */
  static final int MAX_FAILURES = 5;

  /** An opened follow that is not started within this time is closed (its slot is freed). */
  static final Duration START_LEASE = Duration.ofSeconds(30);

  /** How often deadlines and keep-alives are checked. */
  static final Duration SWEEP = Duration.ofSeconds(1);

  /**
   * Follow settings.
   *
   * @param minPoll poll interval while entries arrive
   * @param maxPoll longest interval an idle poll backs off to
   * @param maxFollow longest a follow stays open (the client then resumes from its last cursor)
   * @param keepAlive a follower that got nothing for this long gets a keep-alive
   * @param maxPerUser follows one user may have open on this instance
   * @param maxPerInstance follows this instance serves in all
   * @param readThreads threads that run reads
   * @param page entries per read, and what a follower may hold beyond what it asked for
   * @param maxWindow most entries a feed keeps for its followers
   */
  public record Settings(
      Duration minPoll,
      Duration maxPoll,
      Duration maxFollow,
      Duration keepAlive,
      int maxPerUser,
      int maxPerInstance,
      int readThreads,
      int page,
      int maxWindow) {
    /** Checks the values. */
    public Settings {
      requirePositive(minPoll, "minPoll");
      requirePositive(maxPoll, "maxPoll");
      requirePositive(maxFollow, "maxFollow");
      requirePositive(keepAlive, "keepAlive");
      if (maxPoll.compareTo(minPoll) < 0) {
        throw new IllegalArgumentException("maxPoll " + maxPoll + " is below minPoll " + minPoll);
      }
      if (maxPerUser < 1 || maxPerInstance < 1 || readThreads < 1 || page < 1) {
        throw new IllegalArgumentException("caps, threads and page must be at least 1");
      }
      if (maxWindow < page) {
        throw new IllegalArgumentException("maxWindow must be at least page");
      }
    }

    private static void requirePositive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
    }
  }

  /**
   * What a follow needs to know of a run.
   *
   * @param state the run's state, as the {@code end} event reports it
   * @param ended true when the run will write no more entries (or is gone)
   */
  public record RunStatus(String state, boolean ended) {
    /** The run no longer exists. */
    public static final RunStatus GONE = new RunStatus("UNKNOWN", true);
  }

  /** Looks up runs' states; called on the read threads. */
  public interface RunStatuses {
    /** The run's status now. */
    RunStatus status(String runId);
  }

  /**
   * Receives one follow's events in order, on the follows' scheduler thread; it must not block.
   * After {@link #end} or {@link #failed} nothing more comes.
   */
  public interface Listener {
    /** The next entry, with the cursor to resume from after it. */
    void line(Line line);

    /** Nothing new for a while; the connection is alive. */
    void keepAlive();

    /**
     * The run has ended and every entry up to its end was delivered, or the follow reached its
     * longest duration.
     *
     * @param state the run's last known state
     * @param cursor the position after the last entry delivered
     */
    void end(String state, String cursor);

    /** Reading failed for good, or the instance is shutting down. */
    void failed(RuntimeException error);
  }

  /**
   * An entry of a run's log and the cursor right after it. One instance is shared by all followers
   * of the run, so what a listener renders from it can be kept here ({@link #rendered}).
   */
  public static final class Line {
    private final LogEntry entry;
    private final String cursor;
    private volatile Object rendered;

    Line(LogEntry entry, String cursor) {
      this.entry = entry;
      this.cursor = cursor;
    }

    /** The entry. */
    public LogEntry entry() {
      return entry;
    }

    /** Resuming from this cursor reads the entries after this one. */
    public String cursor() {
      return cursor;
    }

    /** {@code render(this)}, computed once per line (the same for every follower). */
    @SuppressWarnings("unchecked")
    public <T> T rendered(Function<Line, T> render) {
      Object r = rendered;
      if (r == null) {
        r = render.apply(this);
        rendered = r;
      }
      return (T) r;
    }
  }

  private final Logs logs;
  private final RunStatuses statuses;
  private final Settings settings;
  private final ScheduledExecutorService hub;
  private final ExecutorService readers;
  private final AtomicLong reads = new AtomicLong();

  private final Object admission = new Object();
  private final Map<String, Integer> openByUser = new HashMap<>();
  private int open;

  // Confined to the hub thread.
  private final Map<String, Feed> feeds = new HashMap<>();
  private final Set<Follow> started = new LinkedHashSet<>();

  /**
   * Starts the scheduler thread and the read threads.
   *
   * @param logs the run logs
   * @param statuses the runs' states
   * @param settings intervals, caps and sizes
   */
  public LogFollows(Logs logs, RunStatuses statuses, Settings settings) {
    this.logs = logs;
    this.statuses = statuses;
    this.settings = settings;
    this.hub = Executors.newSingleThreadScheduledExecutor(threads("mlcp-log-follows"));
    this.readers = Executors.newFixedThreadPool(settings.readThreads(), threads("mlcp-log-reads"));
    long sweep = SWEEP.toNanos();
    hub.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.NANOSECONDS);
  }

  /**
   * Reserves a follow of {@code runId} from {@code cursor} for {@code user}; nothing is read until
   * {@link Follow#start}. A follow not started within {@link #START_LEASE} is closed.
   *
   * @throws FollowLimitExceededException when the user or the instance has as many follows open as
   *     allowed
   */
  public Follow open(String user, String runId, String cursor) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(runId, "runId");
    synchronized (admission) {
      int mine = openByUser.getOrDefault(user, 0);
      if (mine >= settings.maxPerUser()) {
        throw new FollowLimitExceededException(
            FollowLimitExceededException.Limit.PER_USER, user, settings.maxPerUser(), mine);
      }
      if (open >= settings.maxPerInstance()) {
        throw new FollowLimitExceededException(
            FollowLimitExceededException.Limit.PER_INSTANCE, user, settings.maxPerInstance(), open);
      }
      openByUser.put(user, mine + 1);
      open++;
    }
    Follow follow = new Follow(user, runId, cursor);
    try {
      hub.schedule(
          () -> {
            if (!follow.started) {
              follow.close();
            }
          },
          START_LEASE.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      follow.close();
      throw new IllegalStateException("log follows are shut down", e);
    }
    return follow;
  }

  /** Follows open on this instance. */
  public int openFollows() {
    synchronized (admission) {
      return open;
    }
  }

  /** Follows {@code user} has open on this instance. */
  public int openFollows(String user) {
    synchronized (admission) {
      return openByUser.getOrDefault(user, 0);
    }
  }

  /** {@link Logs#read} calls made so far, shared polls and followers' own reads together. */
  public long reads() {
    return reads.get();
  }

  /** Runs followed now (one feed each). */
  public int feeds() {
    try {
      return hub.submit(feeds::size).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return -1;
    }
  }

  /** Fails every follow (their clients resume elsewhere) and stops the threads. */
  @Override
  public void close() {
    try {
      hub.submit(
              () -> {
                for (Follow f : List.copyOf(started)) {
                  fail(f, new IllegalStateException("the service is shutting down; resume"));
                }
              })
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.log(Level.FINE, "log follows did not end cleanly", e);
    }
    hub.shutdownNow();
    readers.shutdownNow();
  }

  /** One follower: its listener, position and credit. */
  public final class Follow {
    private final String user;
    private final String runId;
    private final String from;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong requested = new AtomicLong();
    private volatile boolean stalled;

    // Confined to the hub thread.
    private boolean started;
    private Listener listener;
    private Feed feed;
    private long deadline;
    private long lastSent;
    private long delivered;
    private String cursor;
    private long seq = -1;
    private boolean reading;
    private boolean readAfterEnd;
    private int awaitPoll = -1;
    private int failures;

    private Follow(String user, String runId, String from) {
      this.user = user;
      this.runId = runId;
      this.from = from;
    }

    /** The run followed. */
    public String runId() {
      return runId;
    }

    /** Starts delivering to {@code listener}. */
    public void start(Listener listener) {
      post(() -> begin(this, listener));
    }

    /** The client can take {@code n} more entries. */
    public void request(long n) {
      if (n <= 0) {
        return;
      }
      requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      if (stalled) {
        post(() -> drain(this));
      }
    }

    /** Stops the follow and frees its slot; idempotent. */
    public void close() {
      if (closed.compareAndSet(false, true)) {
        release(user);
        post(() -> detach(this));
      }
    }

    private long credit() {
      long asked = requested.get();
      return asked > Long.MAX_VALUE - settings.page()
          ? Long.MAX_VALUE
          : asked + settings.page() - delivered;
    }

    /** True when the follower may take more; marks it stalled otherwise (see request). */
    private boolean hasCredit() {
      if (credit() > 0) {
        return true;
      }
      stalled = true;
      if (credit() > 0) {
        stalled = false;
        return true;
      }
      return false;
    }
  }

  /** One followed run: its shared poll and the entries some follower still needs. */
  private final class Feed {
    final String runId;
    final List<Line> window = new ArrayList<>();
    final Set<Follow> follows = new LinkedHashSet<>();
    long firstSeq;
    String head;
    List<String> headAliases = new ArrayList<>();
    List<String> baseAliases = new ArrayList<>();
    long interval = settings.minPoll().toNanos();
    ScheduledFuture<?> timer;
    boolean polling;
    int pollsStarted;
    int failures;
    boolean fullLastTime;
    String state = "UNKNOWN";
    RunStatus ended;

    Feed(String runId, String start) {
      this.runId = runId;
      this.head = start;
      headAliases.add(start);
    }

    long nextSeq() {
      return firstSeq + window.size();
    }

    /** The sequence number of the entry right after {@code cursor}, or -1 if unknown here. */
    long place(String cursor) {
      if (headAliases.contains(cursor)) {
        return nextSeq();
      }
      if (!window.isEmpty() && baseAliases.contains(cursor)) {
        return firstSeq;
      }
      for (int i = 0; i < window.size(); i++) {
        if (Objects.equals(window.get(i).cursor(), cursor)) {
          return firstSeq + i + 1;
        }
      }
      return -1;
    }

    void append(LogBatch batch) {
      if (batch.entries().isEmpty()) {
        // Same position, maybe spelt differently (a store may turn "start" into an offset).
        if (!headAliases.contains(batch.cursor())) {
          headAliases.add(batch.cursor());
        }
        head = batch.cursor();
        return;
      }
      if (window.isEmpty()) {
        baseAliases = new ArrayList<>(headAliases);
      }
      for (int i = 0; i < batch.entries().size(); i++) {
        window.add(new Line(batch.entries().get(i), batch.cursorAfter(i)));
      }
      String last = batch.cursorAfter(batch.entries().size() - 1);
      headAliases = new ArrayList<>();
      headAliases.add(last);
      if (!Objects.equals(last, batch.cursor())) {
        headAliases.add(batch.cursor());
      }
      head = batch.cursor();
    }

    /** Drops entries every placed follower has had, and keeps at most maxWindow. */
    void trim() {
      long needed = nextSeq();
      for (Follow f : follows) {
        if (f.seq >= 0) {
          needed = Math.min(needed, f.seq);
        }
      }
      int drop = (int) (needed - firstSeq);
      drop = Math.max(drop, window.size() - settings.maxWindow());
      if (drop <= 0) {
        return;
      }
      baseAliases = new ArrayList<>();
      baseAliases.add(window.get(drop - 1).cursor());
      window.subList(0, drop).clear();
      firstSeq += drop;
      for (Follow f : follows) {
        if (f.seq >= 0 && f.seq < firstSeq) {
          // Fell behind what the feed keeps: it reads on its own from its cursor.
          f.seq = -1;
        }
      }
    }
  }

  private void begin(Follow f, Listener listener) {
    if (f.closed.get() || f.started) {
      return;
    }
    long now = System.nanoTime();
    f.started = true;
    f.listener = listener;
    f.cursor = f.from;
    f.deadline = now + settings.maxFollow().toNanos();
    f.lastSent = now;
    started.add(f);
    Feed feed = feeds.get(f.runId);
    boolean fresh = feed == null;
    if (fresh) {
      feed = new Feed(f.runId, f.from);
      feeds.put(f.runId, feed);
    }
    feed.follows.add(f);
    f.feed = feed;
    f.seq = feed.place(f.cursor);
    if (fresh) {
      poll(feed);
    } else {
      drain(f);
    }
  }

  private void poll(Feed feed) {
    if (feed.polling || feed.ended != null || feeds.get(feed.runId) != feed) {
      return;
    }
    if (feed.timer != null) {
      feed.timer.cancel(false);
      feed.timer = null;
    }
    feed.polling = true;
    int ordinal = ++feed.pollsStarted;
    String from = feed.head;
    boolean checkStatus = !feed.fullLastTime;
    read(
        () -> {
          RunStatus status = null;
          LogBatch batch = null;
          RuntimeException error = null;
          try {
            // The state first: a read that starts after the run was seen ended sees its last entry.
            if (checkStatus) {
              status = statuses.status(feed.runId);
            }
            reads.incrementAndGet();
            batch = logs.read(feed.runId, from, settings.page());
          } catch (RuntimeException e) {
            error = e;
          }
          RunStatus s = status;
          LogBatch b = batch;
          RuntimeException err = error;
          post(() -> polled(feed, ordinal, s, b, err));
        });
  }

  private void polled(
      Feed feed, int ordinal, RunStatus status, LogBatch batch, RuntimeException e) {
    feed.polling = false;
    if (feeds.get(feed.runId) != feed) {
      return;
    }
    if (e != null) {
      feed.failures++;
      LOG.log(
          Level.WARNING,
          "reading the log of " + feed.runId + " failed (" + feed.failures + " in a row)",
          e);
      if (feed.failures >= MAX_FAILURES) {
        for (Follow f : List.copyOf(feed.follows)) {
          fail(f, e);
        }
        return;
      }
      schedule(feed, settings.maxPoll().toNanos());
      return;
    }
    feed.failures = 0;
    if (status != null) {
      feed.state = status.state();
    }
    feed.append(batch);
    boolean full = batch.entries().size() >= settings.page();
    feed.fullLastTime = full;
    feed.interval =
        batch.entries().isEmpty()
            ? Math.min(settings.maxPoll().toNanos(), feed.interval * 2)
            : settings.minPoll().toNanos();
    if (status != null && status.ended() && !full) {
      feed.ended = status;
    }
    for (Follow f : List.copyOf(feed.follows)) {
      if (f.seq < 0 && f.awaitPoll >= 0 && ordinal > f.awaitPoll) {
        // The follower read to the end of the log before this poll started: if the feed did not
        // find anything newer either, both are at the end.
        f.awaitPoll = -1;
        f.seq = feed.place(f.cursor);
        if (f.seq < 0 && batch.entries().isEmpty()) {
          f.seq = feed.nextSeq();
        }
      }
      drain(f);
    }
    feed.trim();
    if (feed.ended == null && !feed.follows.isEmpty()) {
      schedule(feed, full ? 0 : feed.interval);
    }
  }

  private void schedule(Feed feed, long delayNanos) {
    if (feed.timer != null) {
      feed.timer.cancel(false);
    }
    feed.timer = hub.schedule(() -> poll(feed), delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Delivers what the follower may take, from the feed or by a read of its own. */
  private void drain(Follow f) {
    if (f.closed.get() || !f.started) {
      return;
    }
    Feed feed = f.feed;
    if (f.seq >= 0 && f.seq < feed.firstSeq) {
      f.seq = -1;
    }
    if (f.seq < 0) {
      readAlone(f);
      return;
    }
    while (f.seq < feed.nextSeq()) {
      if (!f.hasCredit()) {
        return;
      }
      if (!send(f, feed.window.get((int) (f.seq - feed.firstSeq)))) {
        return;
      }
      f.seq++;
    }
    if (feed.ended != null) {
      finish(f, feed.ended.state());
    }
  }

  private boolean send(Follow f, Line line) {
    try {
      f.listener.line(line);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "a log follower of " + f.runId + " failed", e);
      f.close();
      return false;
    }
    f.delivered++;
    f.cursor = line.cursor();
    f.lastSent = System.nanoTime();
    return true;
  }

  /** A read from the follower's own cursor, for a follower the feed cannot serve (yet). */
  private void readAlone(Follow f) {
    if (f.reading || f.awaitPoll >= 0 || !f.hasCredit()) {
      return;
    }
    Feed feed = f.feed;
    int max = (int) Math.min(settings.page(), f.credit());
    String from = f.cursor;
    f.reading = true;
    f.readAfterEnd = feed.ended != null;
    read(
        () -> {
          LogBatch batch = null;
          RuntimeException error = null;
          try {
            reads.incrementAndGet();
            batch = logs.read(f.runId, from, max);
          } catch (RuntimeException e) {
            error = e;
          }
          LogBatch b = batch;
          RuntimeException err = error;
          post(() -> readAloneDone(f, from, max, b, err));
        });
  }

  private void readAloneDone(Follow f, String from, int max, LogBatch batch, RuntimeException e) {
    f.reading = false;
    if (f.closed.get()) {
      return;
    }
    Feed feed = f.feed;
    if (e != null) {
      if (++f.failures >= MAX_FAILURES) {
        fail(f, e);
      } else {
        hub.schedule(() -> drain(f), settings.maxPoll().toNanos(), TimeUnit.NANOSECONDS);
      }
      return;
    }
    f.failures = 0;
    long at = feed.place(from);
    if (at >= 0) {
      // The feed got here while this read was under way.
      f.seq = at;
      drain(f);
      return;
    }
    for (int i = 0; i < batch.entries().size(); i++) {
      if (!send(f, new Line(batch.entries().get(i), batch.cursorAfter(i)))) {
        return;
      }
      at = feed.place(f.cursor);
      if (at >= 0) {
        f.seq = at;
        drain(f);
        return;
      }
    }
    if (batch.cursor() != null) {
      f.cursor = batch.cursor();
      at = feed.place(f.cursor);
      if (at >= 0) {
        f.seq = at;
        drain(f);
        return;
      }
    }
    if (batch.entries().size() >= max) {
      drain(f);
      return;
    }
    // At the end of the log, at a position the feed has not reached or spells differently.
    if (feed.ended != null) {
      if (f.readAfterEnd) {
        finish(f, feed.ended.state());
      } else {
        drain(f);
      }
      return;
    }
    f.awaitPoll = feed.pollsStarted;
  }

  private void finish(Follow f, String state) {
    if (f.closed.get()) {
      return;
    }
    // The slot is free before the follower hears of the end: one that reconnects at once (or a
    // test counting open follows) finds it released.
    f.close();
    try {
      f.listener.end(state, f.cursor);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "a log follower of " + f.runId + " failed at its end", e);
    }
  }

  private void fail(Follow f, RuntimeException error) {
    if (f.closed.get()) {
      return;
    }
    f.close();
    try {
      f.listener.failed(error);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "a log follower of " + f.runId + " failed on failure", e);
    }
  }

  private void detach(Follow f) {
    started.remove(f);
    Feed feed = f.feed;
    if (feed == null) {
      return;
    }
    feed.follows.remove(f);
    if (feed.follows.isEmpty() && feeds.get(feed.runId) == feed) {
      feeds.remove(feed.runId);
      if (feed.timer != null) {
        feed.timer.cancel(false);
      }
    } else {
      feed.trim();
    }
  }

  /** Ends follows past their longest duration; keeps idle connections alive. */
  private void sweep() {
    try {
      sweepNow();
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again.
      LOG.log(Level.SEVERE, "log follows: sweep failed", e);
    }
  }

  private void sweepNow() {
    long now = System.nanoTime();
    for (Follow f : List.copyOf(started)) {
      if (f.closed.get()) {
        continue;
      }
      if (now - f.deadline >= 0) {
        finish(f, f.feed.ended != null ? f.feed.ended.state() : f.feed.state);
      } else if (now - f.lastSent >= settings.keepAlive().toNanos()) {
        f.lastSent = now;
        try {
          f.listener.keepAlive();
        } catch (RuntimeException e) {
          f.close();
        }
      }
    }
  }

  private void release(String user) {
    synchronized (admission) {
      open--;
      openByUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
    }
  }

  private void read(Runnable task) {
    try {
      readers.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.log(Level.FINE, "log follows are shut down", e);
    }
  }

  private void post(Runnable task) {
    try {
      hub.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              LOG.log(Level.SEVERE, "log follows: unexpected failure", e);
            }
          });
    } catch (RejectedExecutionException e) {
      LOG.log(Level.FINE, "log follows are shut down", e);
    }
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
