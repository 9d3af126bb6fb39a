package dev.mlcp.vm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures of the agent's input materialization (the real MATERIALIZER program of mlcp-agent.sh
 * against a loopback Cloud Storage JSON API), not part of the default build:
 *
 * <pre>
 * ./mvnw -B -ntp -pl infra/vm -Pbench test -Dtest=InputsBenchmark
 * ./mvnw -B -ntp -pl infra/vm -Pbench test -Dtest=InputsBenchmark -Dbench.files=1000 -Dbench.stream.mib=2048
 * git show HEAD~1:infra/vm/mlcp-agent.sh > /tmp/old-agent.sh
 * ./mvnw -B -ntp -pl infra/vm -Pbench test -Dtest=InputsBenchmark -Dbench.baseline=/tmp/old-agent.sh
 * </pre>
 *
 * Prints {@code BENCH} lines: a prefix of {@code bench.files} files of 1 MiB materialized versus
 * {@code cp -r} of the same directory (both from the page cache), and one object of {@code
 * bench.stream.mib} MiB streamed with the materializer's peak RSS. With {@code bench.baseline}
 * (another version of the agent script) the prefix is also materialized by that version's
 * MATERIALIZER, in the same run, for a comparison under the same load. Python is the interpreter
 * {@code python3} resolves to, as the agent resolves it once (a version manager's shim would add
 * its own start-up to every run).
 */
@Tag("bench")
class InputsBenchmark {
  private static final int FILES = Integer.getInteger("bench.files", 1000);
  private static final long STREAM_MIB = Long.getLong("bench.stream.mib", 2048);
  private static final int MIB = 1 << 20;
  private static final String BASELINE = System.getProperty("bench.baseline", "");

  @TempDir Path dir;

  @Test
  void a_prefix_of_many_files_versus_cp() throws Exception {
    Path source = Files.createDirectories(dir.resolve("source/prefix"));
    byte[] block = new byte[MIB];
    new Random(1).nextBytes(block);
    for (int i = 0; i < FILES; i++) {
      block[0] = (byte) i;
      block[1] = (byte) (i >> 8);
      Files.write(source.resolve(String.format("part-%05d.bin", i)), block);
    }
    try (Gcs gcs = new Gcs(dir.resolve("source"), 0)) {
      if (!BASELINE.isEmpty()) {
        Path before = Files.createDirectories(dir.resolve("inputs-baseline"));
        Run baseline =
            materialize(
                gcs,
                before,
                "gs://bench/prefix/",
                materializer(Files.readString(Path.of(BASELINE))));
        System.out.printf(
            "BENCH inputs.prefix.baseline files=%d materialize_s=%.2f materialize_mib_s=%.0f%n",
            FILES, baseline.seconds(), FILES / baseline.seconds());
      }
      Path inputs = Files.createDirectories(dir.resolve("inputs"));
      Run run = materialize(gcs, inputs, "gs://bench/prefix/");
      long started = System.nanoTime();
      Process cp =
          new ProcessBuilder("cp", "-r", source.toString(), dir.resolve("copy").toString())
              .inheritIO()
              .start();
      assertThat(cp.waitFor()).isZero();
      double cpSeconds = (System.nanoTime() - started) / 1e9;
      long bytes = (long) FILES * MIB;
      try (Stream<Path> files = Files.walk(inputs.resolve("0"))) {
        assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(FILES);
      }
      System.out.printf(
          "BENCH inputs.prefix files=%d bytes=%d materialize_s=%.2f materialize_mib_s=%.0f"
              + " cp_s=%.2f cp_mib_s=%.0f ratio=%.2f peak_rss_mib=%d%n",
          FILES,
          bytes,
          run.seconds(),
          bytes / MIB / run.seconds(),
          cpSeconds,
          bytes / MIB / cpSeconds,
          cpSeconds / run.seconds(),
          run.maxRssKib() / 1024);
    }
  }

  @Test
  void a_large_object_streams_without_the_agent_growing() throws Exception {
    try (Gcs gcs = new Gcs(null, STREAM_MIB * MIB)) {
      if (!BASELINE.isEmpty()) {
        Path before = Files.createDirectories(dir.resolve("inputs-baseline"));
        Run baseline =
            materialize(
                gcs,
                before,
                "gs://bench/big.bin",
                materializer(Files.readString(Path.of(BASELINE))));
        Files.delete(before.resolve("0/big.bin"));
        System.out.printf(
            "BENCH inputs.stream.baseline seconds=%.2f mib_s=%.0f peak_rss_mib=%d%n",
            baseline.seconds(), STREAM_MIB / baseline.seconds(), baseline.maxRssKib() / 1024);
      }
      Path inputs = Files.createDirectories(dir.resolve("inputs"));
      Run run = materialize(gcs, inputs, "gs://bench/big.bin");
      assertThat(Files.size(inputs.resolve("0/big.bin"))).isEqualTo(STREAM_MIB * MIB);
      System.out.printf(
          "BENCH inputs.stream bytes=%d seconds=%.2f mib_s=%.0f peak_rss_mib=%d%n",
          STREAM_MIB * MIB, run.seconds(), STREAM_MIB / run.seconds(), run.maxRssKib() / 1024);
      assertThat(run.maxRssKib()).isLessThan(200 * 1024);
    }
  }

  record Run(double seconds, long maxRssKib) {}

  private Run materialize(Gcs gcs, Path inputs, String uri) throws Exception {
    return materialize(gcs, inputs, uri, materializer());
  }

  /** Runs a MATERIALIZER on a one-input plan; its peak RSS comes from getrusage. */
  private Run materialize(Gcs gcs, Path inputs, String uri, String materializer) throws Exception {
    Path plan = dir.resolve("plan.json");
    Files.writeString(
        plan, "[{\"n\":0,\"source\":\"" + uri + "\",\"kind\":\"gcs\",\"uri\":\"" + uri + "\"}]");
    Path program = dir.resolve("materializer.py");
    Files.writeString(program, materializer);
    String python = AgentFixture.PYTHON.toString();
    Path rss = dir.resolve("rss");
    String wrapper =
        "import resource, subprocess, sys\n"
            + "code = subprocess.call(sys.argv[2:])\n"
            + "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
            + "sys.exit(code)\n";
    List<String> command =
        new ArrayList<>(
            List.of(
                python,
                "-c",
                wrapper,
                rss.toString(),
                python,
                program.toString(),
                plan.toString(),
                inputs.toString(),
                gcs.url() + "/computeMetadata/v1",
                gcs.url(),
                gcs.url(),
                gcs.url(),
                "bench",
                dir.resolve("result").toString(),
                "30"));
    long started = System.nanoTime();
    Process process = new ProcessBuilder(command).inheritIO().start();
    assertThat(process.waitFor(30, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).isZero();
    double seconds = (System.nanoTime() - started) / 1e9;
    return new Run(seconds, Long.parseLong(Files.readString(rss).strip()));
  }

  /** The MATERIALIZER program, as embedded in the agent. */
  static String materializer() throws IOException {
    return materializer(Files.readString(AgentFixture.SCRIPT));
  }

  /** The MATERIALIZER program embedded in {@code script}. */
  static String materializer(String script) {
    String start = "IFS= read -r -d '' MATERIALIZER <<'PYTHON' || true\n";
    int from = script.indexOf(start) + start.length();
    int to = script.indexOf("\nPYTHON\nreadonly MATERIALIZER", from);
    return script.substring(from, to + 1);
  }

  /**
   * A loopback Cloud Storage JSON API: listings of {@code root}'s files and their media, or (root
   * null) one object {@code big.bin} of {@code size} bytes generated on the fly; plus the token.
   */
  static final class Gcs implements AutoCloseable {
    private final HttpServer server;
    private final Path root;
    private final long size;

    Gcs(Path root, long size) throws IOException {
      this.root = root;
      this.size = size;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      server.setExecutor(Executors.newFixedThreadPool(16));
      server.createContext("/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        if (path.endsWith("/token")) {
          send(exchange, "{\"access_token\":\"bench\",\"expires_in\":3600}");
        } else if (path.equals("/storage/v1/b/bench/o")) {
          send(exchange, listing(query));
        } else if (path.startsWith("/storage/v1/b/bench/o/")) {
          String name =
              URLDecoder.decode(
                  path.substring("/storage/v1/b/bench/o/".length()), StandardCharsets.UTF_8);
          if (query != null && query.contains("alt=media")) {
            media(exchange, name);
          } else if (root == null && name.equals("big.bin")) {
            send(exchange, "{\"name\":\"big.bin\",\"size\":\"" + size + "\"}");
          } else {
            exchange.sendResponseHeaders(404, -1);
          }
        } else {
          exchange.sendResponseHeaders(404, -1);
        }
      }
    }

    private String listing(String query) throws IOException {
      String prefix = "prefix/";
      StringBuilder items = new StringBuilder();
      try (Stream<Path> files = Files.list(root.resolve("prefix"))) {
        for (Path f : files.sorted().toList()) {
          items
              .append(items.length() == 0 ? "" : ",")
              .append("{\"name\":\"")
              .append(prefix)
              .append(f.getFileName())
              .append("\",\"size\":\"")
              .append(Files.size(f))
              .append("\"}");
        }
      }
      return "{\"items\":[" + items + "]}";
    }

    private void media(HttpExchange exchange, String name) throws IOException {
      if (root == null) {
        exchange.sendResponseHeaders(200, size);
        byte[] block = new byte[MIB];
        try (OutputStream out = exchange.getResponseBody()) {
          for (long sent = 0; sent < size; sent += MIB) {
            out.write(block, 0, (int) Math.min(MIB, size - sent));
          }
        }
        return;
      }
      Path file = root.resolve(name);
      exchange.sendResponseHeaders(200, Files.size(file));
      try (InputStream in = Files.newInputStream(file);
          OutputStream out = exchange.getResponseBody()) {
        in.transferTo(out);
      }
    }

    private static void send(HttpExchange exchange, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
