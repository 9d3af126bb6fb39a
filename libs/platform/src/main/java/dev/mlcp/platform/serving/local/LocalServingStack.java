package dev.mlcp.platform.serving.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.internal.AtomicFiles;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.internal.LocalPython;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.ServingNames;
import dev.mlcp.platform.serving.ServingStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@link ServingStack} and {@link RevisionMetrics} on this machine. A revision's "managed instance
 * group" is {@code minReplicas} processes of the VM agent in serving mode ({@code
 * mlcp.local.agent-command}), each with its own port; the agent reads its metadata from this
 * adapter's loopback server (the same keys as on GCE), downloads the model through it from the
 * ObjectStore, verifies the manifest digest and runs the model-server image with fake docker. The
 * service's "URL map" is {@link LocalTrafficProxy} on one port; health checks probe each instance's
 * health path every half second.
 *
 * <p>State lives in {@code <stateDir>/serving-local/<service>/}: the split and the proxy's port
 * ({@code traffic.json}) and each revision's spec and processes ({@code revisions/<r>.json}), so a
 * restarted deployer adopts the processes still running and listens on the same port again.
 */
public final class LocalServingStack implements ServingStack, RevisionMetrics {

  /** One serving process. */
  record Member(int index, int port, long pid, long startMillis, String token) {}

  /** A revision as stored. */
  record Stored(RevisionSpec spec, List<Member> members) {
    Stored {
      members = List.copyOf(members);
    }
  }

  /** A service's split as stored. */
  record Split(Map<String, Integer> percents, String fingerprint, int proxyPort) {
    Split {
      percents = percents == null ? Map.of() : new LinkedHashMap<>(percents);
    }
  }

  private final Path root;
  private final ObjectStore store;
  private final List<String> agentCommand;
  private final Map<String, String> agentEnv;
  private final Clock clock;
  private final HttpServer support;
  private final HttpClient probe =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final ScheduledExecutorService checker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "mlcp-serving-health");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, LocalTrafficProxy> proxies = new ConcurrentHashMap<>();
  private final Map<String, Stored> revisions = new ConcurrentHashMap<>();
  private final Map<String, Process> children = new ConcurrentHashMap<>();
  private final Set<String> healthy = ConcurrentHashMap.newKeySet();
  private final SecureRandom random = new SecureRandom();

  /**
   * @param stateDir the local state directory
   * @param store where model versions are read from (the registry's objects)
   * @param agentCommand the VM agent command, e.g. {@code bash infra/vm/mlcp-agent.sh}
   * @param agentEnv environment of the agents (fake docker, image map, ...)
   * @param clock time source of the proxy's records
   */
  public LocalServingStack(
      Path stateDir,
      ObjectStore store,
      List<String> agentCommand,
      Map<String, String> agentEnv,
      Clock clock) {
    this.root = stateDir.toAbsolutePath().normalize().resolve("serving-local");
    this.store = store;
    this.agentCommand = List.copyOf(agentCommand);
    this.agentEnv = Map.copyOf(agentEnv);
    this.clock = clock;
    try {
      Files.createDirectories(root);
      support = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 32);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    support.setExecutor(Executors.newFixedThreadPool(4, daemon("mlcp-serving-metadata")));
    support.createContext("/i/", this::metadata);
    support.createContext("/storage/", this::download);
    support.start();
    adopt();
    checker.scheduleWithFixedDelay(this::checkHealth, 0, 500, TimeUnit.MILLISECONDS);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public Target target() {
    return Target.GCE;
  }

  // ---- revisions ------------------------------------------------------------------------------

  @Override
  public synchronized void ensureRevision(RevisionSpec spec, Consumer<String> progress) {
    String key = key(spec.service(), spec.revision());
    Stored existing = revisions.get(key);
    if (existing == null) {
      if (!spec.modelUri().startsWith("gs://")) {
        throw PlatformException.invalid("model URI must be gs://…/, was " + spec.modelUri());
      }
      List<Member> members = new ArrayList<>();
      for (int i = 0; i < spec.minReplicas(); i++) {
        members.add(new Member(i, freePort(), 0, 0, token()));
      }
      existing = new Stored(spec, members);
      save(existing);
      revisions.put(key, existing);
      progress.accept("template-created");
    }
    List<Member> started = new ArrayList<>();
    for (Member m : existing.members()) {
      started.add(alive(key, m) ? m : start(existing.spec(), m));
    }
    Stored now = new Stored(existing.spec(), started);
    save(now);
    revisions.put(key, now);
    progress.accept("instance-group-created");
    proxy(spec.service());
    progress.accept("backend-service-created");
  }

  private Member start(RevisionSpec spec, Member m) {
    Path dir = revisionDir(spec.service(), spec.revision());
    String instance = instanceName(spec, m);
    Map<String, String> env = new LinkedHashMap<>(agentEnv);
    env.put(
        "MLCP_METADATA_URL",
        "http://127.0.0.1:"
            + support.getAddress().getPort()
            + "/i/"
            + instance
            + "/computeMetadata/v1");
    env.put("MLCP_STORAGE_API", "http://127.0.0.1:" + support.getAddress().getPort() + "/storage");
    env.put("MLCP_WORK_DIR", dir.resolve("work").toString());
    env.put("MLCP_SECRETS_DIR", dir.resolve("work").toString());
    env.put("MLCP_RETRY_INITIAL_SECONDS", "0.2");
    env.put("MLCP_FAKE_IPTABLES_STATE", dir.resolve(instance + ".iptables").toString());
    env.put("MLCP_CONTAINER_LOG", dir.resolve(instance + ".container.log").toString());
    String docker = env.get("MLCP_DOCKER");
    if (!env.containsKey("MLCP_IPTABLES") && docker != null && docker.endsWith("fake-docker")) {
      Path fake = Path.of(docker).resolveSibling("fake-iptables");
      if (Files.isExecutable(fake)) {
        env.put("MLCP_IPTABLES", fake.toString());
      }
    }
    ProcessBuilder pb = new ProcessBuilder(agentCommand);
    pb.environment().putAll(env);
    LocalPython.putFirstOnPath(pb.environment());
    pb.redirectErrorStream(true);
    Path log = dir.resolve(instance + ".log");
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      Files.createDirectories(dir.resolve("work"));
      Process p = pb.start();
      children.put(instance, p);
      long startMillis = p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
      return new Member(m.index(), m.port(), p.pid(), startMillis, m.token());
    } catch (IOException e) {
      throw new PlatformException(
          PlatformException.Kind.INVALID_ARGUMENT,
          "agentNotStarted",
          "cannot start the serving agent " + agentCommand + ": " + e.getMessage(),
          e);
    }
  }

  private boolean alive(String key, Member m) {
    if (m.pid() <= 0) {
      return false;
    }
    return ProcessHandle.of(m.pid())
        .filter(ProcessHandle::isAlive)
        .filter(
            h ->
                h.info()
                    .startInstant()
                    .map(s -> Math.abs(s.toEpochMilli() - m.startMillis()) < 2000)
                    .orElse(false))
        .isPresent();
  }

  private static String instanceName(RevisionSpec spec, Member m) {
    return spec.service() + "-" + spec.revision() + "-" + m.index();
  }

  @Override
  public RevisionHealth revisionHealth(String service, String revision) {
    Stored s = revisions.get(key(service, revision));
    if (s == null) {
      return new RevisionHealth(false, 0, 0, "revision does not exist");
    }
    int ok = 0;
    List<String> down = new ArrayList<>();
    for (Member m : s.members()) {
      if (healthy.contains(memberKey(service, revision, m))) {
        ok++;
      } else {
        down.add(
            instanceName(s.spec(), m)
                + (alive(key(service, revision), m) ? " not answering " : " exited, ")
                + s.spec().healthPath());
      }
    }
    return new RevisionHealth(
        true, s.members().size(), ok, down.isEmpty() ? null : String.join("; ", down));
  }

  private void checkHealth() {
    for (Stored s : revisions.values()) {
      for (Member m : s.members()) {
        String k = memberKey(s.spec().service(), s.spec().revision(), m);
        boolean ok;
        try {
          HttpResponse<Void> r =
              probe.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + m.port() + s.spec().healthPath()))
                      .timeout(Duration.ofSeconds(1))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
          ok = r.statusCode() == 200;
        } catch (IOException e) {
          ok = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (ok) {
          healthy.add(k);
        } else {
          healthy.remove(k);
        }
      }
    }
  }

  private List<Integer> healthyPorts(String service, String revision) {
    Stored s = revisions.get(key(service, revision));
    if (s == null) {
      return List.of();
    }
    return s.members().stream()
        .filter(m -> healthy.contains(memberKey(service, revision, m)))
        .map(Member::port)
        .toList();
  }

  @Override
  public synchronized boolean deleteRevision(
      String service, String revision, Consumer<String> progress) {
    Split split = split(service).orElse(null);
    if (split != null && split.percents().containsKey(revision)) {
      if (split.percents().get(revision) > 0) {
        throw PlatformException.conflict(
            "revisionServing",
            "revision " + revision + " of " + service + " still receives traffic");
      }
      Map<String, Integer> kept = new LinkedHashMap<>(split.percents());
      kept.remove(revision);
      writeSplit(service, new Split(kept, fingerprint(), split.proxyPort()));
      LocalTrafficProxy proxy = proxies.get(service);
      if (proxy != null) {
        proxy.route(kept);
      }
      progress.accept("url-map-reference-removed");
    }
    String key = key(service, revision);
    Stored s = revisions.remove(key);
    Path file = revisionFile(service, revision);
    if (s == null && !Files.exists(file)) {
      return false;
    }
    if (s != null) {
      for (Member m : s.members()) {
        stop(key, m, instanceName(s.spec(), m));
        healthy.remove(memberKey(service, revision, m));
      }
      progress.accept("instance-group-deleted");
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    progress.accept("template-deleted");
    return true;
  }

  private void stop(String key, Member m, String instance) {
    Process child = children.remove(instance);
    Optional<ProcessHandle> handle =
        child != null
            ? Optional.of(child.toHandle())
            : alive(key, m) ? ProcessHandle.of(m.pid()) : Optional.empty();
    handle.ifPresent(
        h -> {
          List<ProcessHandle> tree = new ArrayList<>(h.descendants().toList());
          h.destroy();
          tree.forEach(ProcessHandle::destroy);
          try {
            h.onExit().get(5, TimeUnit.SECONDS);
          } catch (Exception e) {
            h.destroyForcibly();
          }
          tree.forEach(ProcessHandle::destroyForcibly);
        });
  }

  // ---- traffic --------------------------------------------------------------------------------

  @Override
  public synchronized Traffic traffic(String service) {
    return split(service)
        .map(s -> new Traffic(s.percents(), s.fingerprint(), url(service)))
        .orElse(new Traffic(Map.of(), null, null));
  }

  @Override
  public synchronized Traffic setTraffic(
      String service, Map<String, Integer> percents, String fingerprint) {
    ServingStack.checkPercents(percents);
    Optional<Split> current = split(service);
    String have = current.map(Split::fingerprint).orElse(null);
    if (!java.util.Objects.equals(have, fingerprint)) {
      throw PlatformException.conflict(
          "conditionNotMet",
          "traffic of " + service + " changed since it was read (stale fingerprint); re-read");
    }
    for (String revision : percents.keySet()) {
      if (!revisions.containsKey(key(service, revision))) {
        throw PlatformException.notFound("revision " + revision + " of " + service);
      }
    }
    LocalTrafficProxy proxy = proxy(service);
    Split next = new Split(percents, fingerprint(), proxy.port());
    writeSplit(service, next);
    proxy.route(next.percents());
    return new Traffic(next.percents(), next.fingerprint(), url(service));
  }

  private String url(String service) {
    LocalTrafficProxy p = proxies.get(service);
    return p == null ? null : "http://127.0.0.1:" + p.port();
  }

  private synchronized LocalTrafficProxy proxy(String service) {
    LocalTrafficProxy existing = proxies.get(service);
    if (existing != null) {
      return existing;
    }
    Optional<Split> split = split(service);
    int port = split.map(Split::proxyPort).orElse(0);
    LocalTrafficProxy proxy;
    try {
      proxy = new LocalTrafficProxy(port, r -> healthyPorts(service, r), clock);
    } catch (UncheckedIOException e) {
      proxy = new LocalTrafficProxy(0, r -> healthyPorts(service, r), clock);
    }
    proxies.put(service, proxy);
    if (split.isPresent()) {
      proxy.route(split.get().percents());
      if (split.get().proxyPort() != proxy.port()) {
        writeSplit(
            service, new Split(split.get().percents(), split.get().fingerprint(), proxy.port()));
      }
    } else {
      writeSplit(service, new Split(Map.of(), null, proxy.port()));
    }
    return proxy;
  }

  @Override
  public RequestStats stats(
      Target target, String service, String revision, Instant since, Instant until) {
    LocalTrafficProxy p = proxies.get(service);
    return p == null ? RequestStats.none() : p.stats(revision, since, until);
  }

  // ---- the agents' metadata and storage ------------------------------------------------------

  /** {@code /i/<instance>/computeMetadata/v1/...}: GCE's metadata keys for one local instance. */
  private void metadata(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"Google".equals(exchange.getRequestHeaders().getFirst("Metadata-Flavor"))) {
        send(exchange, 403, "Missing Metadata-Flavor:Google header.");
        return;
      }
      String path = exchange.getRequestURI().getPath().substring("/i/".length());
      int slash = path.indexOf('/');
      String instance = slash < 0 ? path : path.substring(0, slash);
      String rest = slash < 0 ? "" : path.substring(slash);
      Optional<Map.Entry<Stored, Member>> found = byInstance(instance);
      if (found.isEmpty() || !rest.startsWith("/computeMetadata/v1/")) {
        send(exchange, 404, "not found");
        return;
      }
      Stored s = found.get().getKey();
      Member m = found.get().getValue();
      String key = rest.substring("/computeMetadata/v1/".length());
      Map<String, String> attributes = new LinkedHashMap<>(s.spec().servingMetadata());
      attributes.put("mlcp-port", Integer.toString(m.port()));
      // Local model servers listen on loopback only.
      Map<String, String> env = new java.util.TreeMap<>(s.spec().env());
      env.put("MLCP_BIND", "127.0.0.1");
      attributes.put("mlcp-env", Json.MAPPER.writeValueAsString(env));
      String value =
          switch (key) {
            case "instance/name" -> instance;
            case "instance/zone" -> "projects/local/zones/local-a";
            case "project/project-id" -> "mlcp-local";
            case "instance/service-accounts/default/token" ->
                "{\"access_token\":\"" + m.token() + "\",\"expires_in\":3600}";
            default ->
                key.startsWith("instance/attributes/")
                    ? attributes.get(key.substring("instance/attributes/".length()))
                    : null;
          };
      if (value == null) {
        send(exchange, 404, "not found");
      } else {
        send(exchange, 200, value);
      }
    }
  }

  /**
   * {@code /storage/storage/v1/b/<bucket>/o/<object>?alt=media}: the GCS download, for objects
   * under the caller's own model URI only.
   */
  private void download(HttpExchange exchange) throws IOException {
    try (exchange) {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      Optional<Map.Entry<Stored, Member>> caller =
          auth == null || !auth.startsWith("Bearer ")
              ? Optional.empty()
              : byToken(auth.substring("Bearer ".length()).trim());
      if (caller.isEmpty()) {
        send(exchange, 401, "no valid token");
        return;
      }
      String raw = exchange.getRequestURI().getRawPath();
      String prefix = "/storage/storage/v1/b/";
      int o = raw.indexOf("/o/");
      if (!raw.startsWith(prefix) || o < 0) {
        send(exchange, 404, "no such local API");
        return;
      }
      String bucket = URLDecoder.decode(raw.substring(prefix.length(), o), StandardCharsets.UTF_8);
      String name = URLDecoder.decode(raw.substring(o + 3), StandardCharsets.UTF_8);
      String uri = "gs://" + bucket + "/" + name;
      if (!uri.startsWith(caller.get().getKey().spec().modelUri()) || name.contains("..")) {
        send(exchange, 403, "not this instance's model");
        return;
      }
      try (ObjectRead read = store.read(ObjectUri.parse(uri))) {
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, read.metadata().size());
        try (OutputStream out = exchange.getResponseBody();
            InputStream in = read.stream()) {
          in.transferTo(out);
        }
      } catch (PlatformException e) {
        send(exchange, e.kind() == PlatformException.Kind.NOT_FOUND ? 404 : 500, e.getMessage());
      }
    }
  }

  private Optional<Map.Entry<Stored, Member>> byInstance(String instance) {
    for (Stored s : revisions.values()) {
      for (Member m : s.members()) {
        if (instanceName(s.spec(), m).equals(instance)) {
          return Optional.of(Map.entry(s, m));
        }
      }
    }
    return Optional.empty();
  }

  private Optional<Map.Entry<Stored, Member>> byToken(String token) {
    for (Stored s : revisions.values()) {
      for (Member m : s.members()) {
        if (java.security.MessageDigest.isEqual(
            m.token().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
          return Optional.of(Map.entry(s, m));
        }
      }
    }
    return Optional.empty();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Metadata-Flavor", "Google");
    exchange.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(b);
    }
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Loads the stored revisions; their processes are adopted if they still run. */
  private void adopt() {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root, 3)) {
      for (Path f :
          files
              .filter(p -> p.getParent().getFileName().toString().equals("revisions"))
              .filter(p -> p.toString().endsWith(".json"))
              .toList()) {
        Stored s = Json.MAPPER.readValue(f.toFile(), Stored.class);
        revisions.put(key(s.spec().service(), s.spec().revision()), s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Stored s : revisions.values()) {
      proxy(s.spec().service());
    }
  }

  private Optional<Split> split(String service) {
    Path f = root.resolve(service).resolve("traffic.json");
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readValue(f.toFile(), Split.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeSplit(String service, Split split) {
    write(root.resolve(service).resolve("traffic.json"), split);
  }

  private void save(Stored s) {
    write(revisionFile(s.spec().service(), s.spec().revision()), s);
  }

  private void write(Path file, Object value) {
    try {
      Files.createDirectories(file.getParent());
      AtomicFiles.write(file, Json.MAPPER.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path revisionDir(String service, String revision) {
    return root.resolve(service).resolve("instances").resolve(revision);
  }

  private Path revisionFile(String service, String revision) {
    ServingNames.template(service, revision); // validates both names
    return root.resolve(service).resolve("revisions").resolve(revision + ".json");
  }

  private static String key(String service, String revision) {
    return service + "/" + revision;
  }

  private static String memberKey(String service, String revision, Member m) {
    return service + "/" + revision + "/" + m.index() + "/" + m.port();
  }

  private String token() {
    byte[] b = new byte[24];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String fingerprint() {
    return UUID.randomUUID().toString().substring(0, 12);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The proxy's port of {@code service}, for tests and the launcher. */
  public Optional<Integer> proxyPort(String service) {
    return Optional.ofNullable(proxies.get(service)).map(LocalTrafficProxy::port);
  }

  /** Stops the proxies and the metadata server; serving processes keep running (like VMs). */
  @Override
  public void close() {
    checker.shutdownNow();
    proxies.values().forEach(LocalTrafficProxy::close);
    support.stop(0);
  }

  /** Stops every serving process too (tests). */
  public void destroyAll() {
    for (Map.Entry<String, Stored> e : Map.copyOf(revisions).entrySet()) {
      for (Member m : e.getValue().members()) {
        stop(e.getKey(), m, instanceName(e.getValue().spec(), m));
      }
    }
  }
}
