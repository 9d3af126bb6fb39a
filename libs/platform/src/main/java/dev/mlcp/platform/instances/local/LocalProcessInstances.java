package dev.mlcp.platform.instances.local;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.instances.Instance;
import dev.mlcp.platform.instances.InstanceFilter;
import dev.mlcp.platform.instances.InstanceSpec;
import dev.mlcp.platform.instances.InstanceStatus;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.internal.AtomicFiles;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.internal.LocalLocks;
import dev.mlcp.platform.internal.LocalPython;
import dev.mlcp.platform.logs.Logs;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.secrets.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * {@link Instances} as processes on this machine: creating an instance starts the configured agent
 * command (the same VM agent script GCE runs at boot) with {@code MLCP_METADATA_URL} pointing at a
 * loopback metadata server that answers the spec's metadata. An instance is RUNNING while its
 * process lives and TERMINATED after it exits; deleting kills the process tree. State lives in
 * {@code <stateDir>/instances/<name>/} so a restarted JVM finds its instances again; {@code
 * maxRunDuration} is enforced by deleting the instance at its deadline. Instance names are unique
 * per project here (GCE allows one name per zone). Each instance gets its own random
 * service-account token at create ({@code agent.token}, mode 0600, in its state directory): the
 * metadata server hands it out on that instance's path only, and {@link LocalAgentApi} lets it act
 * on that instance, its output prefix and its named secrets only.
 *
 * <p>Stopping kills the process tree and keeps the instance's directory (its "disk"): it is then
 * TERMINATED, as a stopped GCE VM is, and no longer subject to its {@code maxRunDuration}; starting
 * runs the agent again with a fresh token. Guest attributes the agent writes to its metadata server
 * are kept in {@code guest-attributes.json} beside the instance's state.
 */
public final class LocalProcessInstances implements Instances {

  private static final Logger LOG = Logger.getLogger(LocalProcessInstances.class.getName());
  private static final Duration KILL_GRACE = Duration.ofSeconds(5);

  /** Where deleted instances' directories go before they are removed (not a valid name). */
  private static final String DELETED_DIR = ".deleted";

  private static final String TOKEN_FILE = "agent.token";
  private static final String GUEST_ATTRIBUTES_FILE = "guest-attributes.json";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path root;
  private final List<String> agentCommand;
  private final Clock clock;
  private final MetadataServer metadata;
  private final ScheduledExecutorService deadlines;
  private final AgentSupport support;
  private final ContainerLogShipper shipper;

  /**
   * What local "VMs" need besides metadata to run the real VM agent: the adapters behind the Google
   * APIs the agent calls (served by {@link LocalAgentApi} on the metadata port), where container
   * output goes ({@link ContainerLogShipper}), and extra environment for the agent (Pub/Sub
   * emulator REST endpoint, fake docker, image map, grace period).
   *
   * @param store backs GCS uploads
   * @param secrets backs Secret Manager access
   * @param logs receives the containers' output, as Cloud Logging does on GCE
   * @param agentEnv extra environment of every agent process
   * @param logKeyAttribute the metadata attribute whose value files an instance's container logs
   *     (the log key given to {@link Logs}), e.g. the run id a training VM serves
   */
  public record AgentSupport(
      ObjectStore store,
      Secrets secrets,
      Logs logs,
      Map<String, String> agentEnv,
      String logKeyAttribute) {
    /** Copies the environment. */
    public AgentSupport {
      agentEnv = Map.copyOf(agentEnv);
      Objects.requireNonNull(logKeyAttribute, "logKeyAttribute");
    }
  }

  /**
   * Saved state of one instance.
   *
   * @param stopped stopped by {@link #stop}: TERMINATED until started, no deadline
   * @param deadlineEpochMillis when {@code maxRunDuration} deletes it (0: none), from its last
   *     start
   */
  record State(
      InstanceSpec spec,
      String zone,
      long createdEpochMillis,
      long pid,
      long processStartEpochMillis,
      boolean stopped,
      long deadlineEpochMillis) {

    /** The deadline; state files written before it was stored count from creation. */
    long deadline() {
      if (deadlineEpochMillis > 0) {
        return deadlineEpochMillis;
      }
      return spec.maxRunDuration() == null
          ? 0
          : createdEpochMillis + spec.maxRunDuration().toMillis();
    }
  }

  /**
   * Creates the adapter.
   *
   * @param stateDir state directory (instances go under {@code instances/})
   * @param agentCommand command line started for each instance, e.g. {@code [bash,
   *     infra/vm/mlcp-agent.sh]}
   * @param project project id the metadata server reports
   * @param clock time source
   */
  public LocalProcessInstances(
      Path stateDir, List<String> agentCommand, String project, Clock clock) {
    this(stateDir, agentCommand, project, clock, null);
  }

  /**
   * Creates the adapter with the agent's local APIs and log shipping.
   *
   * @param support adapters and environment for the real VM agent; null for metadata only
   */
  public LocalProcessInstances(
      Path stateDir, List<String> agentCommand, String project, Clock clock, AgentSupport support) {
    this.support = support;
    this.shipper = support == null ? null : new ContainerLogShipper(support.logs(), clock);
    this.root = stateDir.toAbsolutePath().normalize().resolve("instances");
    this.agentCommand = List.copyOf(agentCommand);
    this.clock = clock;
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + root, e);
    }
    this.metadata =
        new MetadataServer(previousPort(), project, this::view, new GuestAttributeFiles());
    try {
      Files.writeString(root.resolve("metadata.port"), Integer.toString(metadata.port()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.deadlines =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "mlcp-local-instance-deadlines");
              t.setDaemon(true);
              return t;
            });
    for (String name : names()) {
      readState(name).ifPresent(this::scheduleDeadline);
    }
    if (support != null) {
      metadata.serve(
          new LocalAgentApi(
              this::authenticate, this::get, this::deleteSoon, support.store(), support.secrets()));
      deadlines.scheduleWithFixedDelay(this::shipLogs, 500, 500, TimeUnit.MILLISECONDS);
    }
  }

  /** The environment an agent process gets, besides the inherited one. */
  private Map<String, String> agentEnvironment(InstanceSpec spec, String zone, Path dir) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MLCP_METADATA_URL", metadata.baseUrl(spec.name()));
    env.put("MLCP_INSTANCE_NAME", spec.name());
    env.put("MLCP_ZONE", zone);
    if (support != null) {
      env.put("MLCP_COMPUTE_API", metadata.rootUrl() + LocalAgentApi.COMPUTE);
      env.put("MLCP_STORAGE_API", metadata.rootUrl() + LocalAgentApi.STORAGE);
      env.put("MLCP_SECRETS_API", metadata.rootUrl() + LocalAgentApi.SECRETS);
      env.put("MLCP_WORK_DIR", dir.resolve("work").toString());
      env.put("MLCP_SECRETS_DIR", dir.resolve("secrets").toString());
      env.put("MLCP_CGROUP_ROOT", dir.resolve("cgroup").toString());
      env.put("MLCP_CONTAINER_LOG", dir.resolve(ContainerLogShipper.CONTAINER_LOG).toString());
      env.put("MLCP_FAKE_IPTABLES_STATE", dir.resolve("iptables.rules").toString());
      // Many local VMs share this machine's loopback: each container endpoint on a free port.
      env.put("MLCP_TOKEN_SERVER_PORT", "0");
      env.putAll(support.agentEnv());
      if (!env.containsKey("MLCP_IPTABLES")) {
        fakeIptablesBeside(env.get("MLCP_DOCKER")).ifPresent(p -> env.put("MLCP_IPTABLES", p));
      }
    }
    return env;
  }

  /**
   * The fake iptables beside a fake docker ({@code infra/vm/testing/}), if {@code docker} is one.
   * The containers of a fake docker are processes of this machine, which no firewall rule fences;
   * the agent's metadata-server block goes to the fake's state file instead. Any other docker gets
   * the real iptables (or {@code MLCP_IPTABLES} from the agent environment), and the agent fails
   * closed when it cannot install the rule.
   */
  static Optional<String> fakeIptablesBeside(String docker) {
    if (docker == null || docker.isEmpty()) {
      return Optional.empty();
    }
    Path path = Path.of(docker);
    Path name = path.getFileName();
    if (name == null || !name.toString().equals("fake-docker")) {
      return Optional.empty();
    }
    Path iptables = path.resolveSibling("fake-iptables");
    return Files.isExecutable(iptables) ? Optional.of(iptables.toString()) : Optional.empty();
  }

  private void shipLogs() {
    try {
      for (String name : names()) {
        readState(name)
            .ifPresent(
                s ->
                    shipper.ship(
                        root.resolve(name),
                        s.spec().metadata().get(support.logKeyAttribute()),
                        false));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "shipping container logs failed; next round retries", e);
    }
  }

  /** Deletes the instance shortly, off the calling (HTTP) thread. */
  private void deleteSoon(String zone, String name) {
    deadlines.schedule(() -> delete(zone, name), 200, TimeUnit.MILLISECONDS);
  }

  /** The metadata base URL given to instance {@code name}'s process. */
  public String metadataUrl(String name) {
    return metadata.baseUrl(name);
  }

  /** The file receiving the instance's stdout and stderr (its serial console). */
  public Path consoleLog(String name) {
    return root.resolve(name).resolve("console.log");
  }

  @Override
  public Instance create(InstanceSpec spec) {
    String zone = spec.zones().get(0);
    try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".lock"))) {
      Path dir = root.resolve(spec.name());
      if (Files.exists(dir.resolve("instance.json"))) {
        throw PlatformException.alreadyExists("instance " + spec.name());
      }
      Files.createDirectories(dir);
      long now = clock.millis();
      State state = launch(spec, zone, dir, now, deadlineFrom(now, spec.maxRunDuration()));
      scheduleDeadline(state);
      return toInstance(state);
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.INVALID_ARGUMENT,
          "agentNotStarted",
          "cannot start the agent for " + spec.name() + ": " + e.getMessage(),
          e);
    }
  }

  /** Starts the agent process of an instance with a fresh token and saves its state. */
  private State launch(InstanceSpec spec, String zone, Path dir, long createdMillis, long deadline)
      throws IOException {
    // A fresh token per incarnation (a reset or started instance gets a new one), before the
    // agent asks for it.
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = "mlcp-local-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    AtomicFiles.write(
        dir.resolve(TOKEN_FILE),
        token.getBytes(StandardCharsets.US_ASCII),
        PosixFilePermissions.fromString("rw-------"));
    ProcessBuilder builder = new ProcessBuilder(agentCommand);
    builder.environment().putAll(agentEnvironment(spec, zone, dir));
    LocalPython.putFirstOnPath(builder.environment());
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile()));
    builder.directory(dir.toFile());
    Process process = builder.start();
    long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(clock.millis());
    State state = new State(spec, zone, createdMillis, process.pid(), started, false, deadline);
    AtomicFiles.write(dir.resolve("instance.json"), Json.MAPPER.writeValueAsBytes(state));
    return state;
  }

  private static long deadlineFrom(long startMillis, Duration maxRunDuration) {
    return maxRunDuration == null ? 0 : startMillis + maxRunDuration.toMillis();
  }

  @Override
  public Optional<Instance> get(String zone, String name) {
    return readState(name).filter(s -> s.zone().equals(zone)).map(this::toInstance);
  }

  @Override
  public Page<Instance> list(InstanceFilter filter, int pageSize, String pageToken) {
    List<Instance> matches = new ArrayList<>();
    String next = null;
    for (String name : names()) {
      if (pageToken != null && name.compareTo(pageToken) <= 0) {
        continue;
      }
      Optional<State> state = readState(name);
      if (state.isEmpty() || !filter.matches(state.get().spec().labels())) {
        continue;
      }
      if (matches.size() == pageSize) {
        next = matches.get(matches.size() - 1).name();
        break;
      }
      matches.add(toInstance(state.get()));
    }
    return new Page<>(matches, next);
  }

  @Override
  public boolean delete(String zone, String name) {
    try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".lock"))) {
      return deleteLocked(zone, name);
    }
  }

  /** Deletes the instance; the caller holds the instances lock. */
  private boolean deleteLocked(String zone, String name) {
    Optional<State> state = readState(name).filter(s -> s.zone().equals(zone));
    if (state.isEmpty()) {
      return false;
    }
    kill(state.get());
    if (shipper != null) {
      // The container's last words, before its directory goes.
      shipper.ship(
          root.resolve(name), state.get().spec().metadata().get(support.logKeyAttribute()), true);
    }
    discard(root.resolve(name));
    return true;
  }

  /**
   * Moves an instance's directory out of the way in one rename (the instance is gone from then on),
   * then removes it. A process of the VM that was still ending can add a file while the tree is
   * walked; the removal is retried, and what still will not go is left under {@code .deleted/},
   * which no listing reads, and swept by the next delete.
   */
  private void discard(Path dir) {
    Path trash = root.resolve(DELETED_DIR);
    Path moved = trash.resolve(dir.getFileName() + "-" + System.nanoTime());
    try {
      Files.createDirectories(trash);
      Files.move(dir, moved, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return; // already gone
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
    try (Stream<Path> leftovers = Files.list(trash)) {
      for (Path p : leftovers.toList()) {
        removeTree(p);
      }
    } catch (IOException e) {
      LOG.fine(() -> "cannot list " + trash + ": " + e);
    }
  }

  private static void removeTree(Path dir) {
    for (int attempt = 1; ; attempt++) {
      try {
        deleteTree(dir);
        return;
      } catch (UncheckedIOException e) {
        if (attempt == 5) {
          LOG.fine(() -> "left for the next delete: " + dir + " (" + e.getCause() + ")");
          return;
        }
        try {
          Thread.sleep(50L * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public boolean stop(String zone, String name) {
    try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".lock"))) {
      Optional<State> state = readState(name).filter(s -> s.zone().equals(zone));
      if (state.isEmpty()) {
        return false;
      }
      kill(state.get());
      State s = state.get();
      State stopped =
          new State(
              s.spec(),
              s.zone(),
              s.createdEpochMillis(),
              s.pid(),
              s.processStartEpochMillis(),
              true,
              0);
      AtomicFiles.write(
          root.resolve(name).resolve("instance.json"), Json.MAPPER.writeValueAsBytes(stopped));
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean start(String zone, String name, Duration maxRunDuration) {
    try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".lock"))) {
      Optional<State> state = readState(name).filter(s -> s.zone().equals(zone));
      if (state.isEmpty()) {
        return false;
      }
      State s = state.get();
      if (alive(s) && !s.stopped()) {
        return true; // already running, as GCE's start of a RUNNING instance is a no-op
      }
      kill(s);
      long now = clock.millis();
      Duration limit = maxRunDuration != null ? maxRunDuration : s.spec().maxRunDuration();
      State started =
          launch(
              s.spec(),
              s.zone(),
              root.resolve(name),
              s.createdEpochMillis(),
              deadlineFrom(now, limit));
      scheduleDeadline(started);
      return true;
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.INVALID_ARGUMENT,
          "agentNotStarted",
          "cannot start the agent for " + name + ": " + e.getMessage(),
          e);
    }
  }

  @Override
  public Map<String, String> guestAttributes(String zone, String name, String namespace) {
    if (readState(name).filter(s -> s.zone().equals(zone)).isEmpty()) {
      return Map.of();
    }
    Map<String, String> values = new LinkedHashMap<>();
    String prefix = namespace + "/";
    readGuestAttributes(name)
        .forEach(
            (k, v) -> {
              if (k.startsWith(prefix)) {
                values.put(k.substring(prefix.length()), v);
              }
            });
    return values;
  }

  @Override
  public void reset(String zone, String name) {
    State state =
        readState(name)
            .filter(s -> s.zone().equals(zone))
            .orElseThrow(() -> PlatformException.notFound("instance " + name));
    try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".lock"))) {
      kill(state);
      Files.delete(root.resolve(name).resolve("instance.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    create(state.spec());
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
    metadata.close();
  }

  private Optional<MetadataServer.InstanceView> view(String name) {
    return readState(name)
        .map(
            s ->
                new MetadataServer.InstanceView(
                    name,
                    s.zone(),
                    s.spec().metadata(),
                    s.spec().serviceAccount() == null ? null : s.spec().serviceAccount().email(),
                    readToken(name).orElse(null)));
  }

  /** The instance whose token {@code token} is; constant-time comparison. */
  private Optional<LocalAgentApi.Caller> authenticate(String token) {
    byte[] presented = token.getBytes(StandardCharsets.US_ASCII);
    for (String name : names()) {
      Optional<String> own = readToken(name);
      if (own.isPresent()
          && MessageDigest.isEqual(own.get().getBytes(StandardCharsets.US_ASCII), presented)) {
        return readState(name)
            .map(s -> new LocalAgentApi.Caller(name, s.zone(), s.spec().metadata()));
      }
    }
    return Optional.empty();
  }

  private Optional<String> readToken(String name) {
    try {
      return Optional.of(
          Files.readString(root.resolve(name).resolve(TOKEN_FILE), StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private void scheduleDeadline(State state) {
    if (state.deadline() <= 0 || state.stopped()) {
      return;
    }
    long due = state.deadline() - clock.millis();
    deadlines.schedule(
        () -> {
          // Decided under the lock, so a stop or start racing the deadline is seen: only the
          // incarnation that was scheduled (a reset or restarted instance has a new deadline), and
          // not while stopped (a stopped VM's run time does not count).
          try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".lock"))) {
            Optional<State> current = readState(state.spec().name());
            if (current.isPresent()
                && current.get().pid() == state.pid()
                && !current.get().stopped()) {
              LOG.info(
                  () -> "instance " + state.spec().name() + " reached maxRunDuration: deleting");
              deleteLocked(state.zone(), state.spec().name());
            }
          }
        },
        Math.max(0, due),
        TimeUnit.MILLISECONDS);
  }

  private Instance toInstance(State state) {
    return new Instance(
        state.spec().name(),
        state.zone(),
        !state.stopped() && alive(state) ? InstanceStatus.RUNNING : InstanceStatus.TERMINATED,
        state.spec().machineType(),
        state.spec().spot(),
        state.spec().labels(),
        "127.0.0.1",
        null,
        Instant.ofEpochMilli(state.createdEpochMillis()));
  }

  private static boolean alive(State state) {
    return ProcessHandle.of(state.pid())
        .filter(ProcessHandle::isAlive)
        .filter(h -> sameProcess(h, state))
        .isPresent();
  }

  /** Guards against a recycled pid after a restart of the machine or JVM. */
  private static boolean sameProcess(ProcessHandle handle, State state) {
    return handle
        .info()
        .startInstant()
        .map(i -> Math.abs(i.toEpochMilli() - state.processStartEpochMillis()) < 2_000)
        .orElse(true);
  }

  private static void kill(State state) {
    Optional<ProcessHandle> handle =
        ProcessHandle.of(state.pid()).filter(h -> sameProcess(h, state));
    if (handle.isEmpty()) {
      return;
    }
    List<ProcessHandle> tree = new ArrayList<>();
    handle.get().descendants().forEach(tree::add);
    tree.add(handle.get());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + KILL_GRACE.toNanos();
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    }
  }

  private List<String> names() {
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(InstanceSpec::isValidName)
          .sorted(Comparator.naturalOrder())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Optional<State> readState(String name) {
    if (!InstanceSpec.isValidName(name)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          Json.MAPPER.readValue(
              Files.readAllBytes(root.resolve(name).resolve("instance.json")), State.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "unreadable state of instance " + name, e);
      return Optional.empty();
    }
  }

  private Map<String, String> readGuestAttributes(String name) {
    Path file = root.resolve(name).resolve(GUEST_ATTRIBUTES_FILE);
    try {
      return Json.MAPPER.readValue(
          Files.readAllBytes(file),
          Json.MAPPER.getTypeFactory().constructMapType(TreeMap.class, String.class, String.class));
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "unreadable guest attributes of instance " + name, e);
      return Map.of();
    }
  }

  /** Guest attributes in {@code <instance>/guest-attributes.json}, written atomically. */
  private final class GuestAttributeFiles implements MetadataServer.GuestAttributeStore {
    @Override
    public Optional<String> read(String instance, String key) {
      return Optional.ofNullable(readGuestAttributes(instance).get(key));
    }

    @Override
    public void write(String instance, String key, String value) {
      change(instance, values -> values.put(key, value));
    }

    @Override
    public void delete(String instance, String key) {
      change(instance, values -> values.remove(key));
    }

    private void change(String instance, Consumer<Map<String, String>> edit) {
      Path dir = root.resolve(instance);
      // The instances lock, as delete holds it: a heartbeat still in flight from an agent being
      // killed must neither write into a directory being removed nor create it again.
      try (LocalLocks.Held lock = LocalLocks.acquire(root.resolve(".lock"))) {
        if (!Files.exists(dir.resolve("instance.json"))) {
          return; // deleted: like GCE, a deleted VM has no guest attributes left to write
        }
        Map<String, String> values = new TreeMap<>(readGuestAttributes(instance));
        edit.accept(values);
        AtomicFiles.write(
            dir.resolve(GUEST_ATTRIBUTES_FILE), Json.MAPPER.writeValueAsBytes(values));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private int previousPort() {
    try {
      return Integer.parseInt(
          Files.readString(root.resolve("metadata.port"), StandardCharsets.UTF_8).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // Already gone.
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }
}
