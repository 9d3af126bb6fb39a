package dev.mlcp.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where each service answers, and in which mode. Local mode reads {@code $MLCP_HOME/run/ports.env},
 * which {@code infra/local/mlcp up} writes; cloud mode reads {@code MLCP_<SERVICE>_URL} or the
 * settings' {@code url.<service>}. The mode is {@code --mode}, else {@code MLCP_MODE}, else the
 * settings' {@code mode}, else local when ports.env exists, else cloud.
 *
 * @param mode the mode
 * @param mlcpHome local mode's home ({@code MLCP_HOME}, default {@code <repo>/.mlcp})
 * @param urls each service's base URL, where known
 */
public record Endpoints(Mode mode, Path mlcpHome, Map<Service, URI> urls) {

  /** The endpoints for the given choices. */
  public static Endpoints resolve(Mode flag, Env env, Settings settings) {
    Path home = mlcpHome(env);
    Path ports = home.resolve("run").resolve("ports.env");
    Mode mode = flag;
    if (mode == null && env.get("MLCP_MODE") != null) {
      mode = Mode.parse(env.get("MLCP_MODE"));
    }
    if (mode == null && settings.get("mode") != null) {
      mode = Mode.parse(settings.get("mode"));
    }
    if (mode == null) {
      mode = Files.exists(ports) ? Mode.LOCAL : Mode.CLOUD;
    }
    Map<Service, URI> urls = new EnumMap<>(Service.class);
    if (mode == Mode.LOCAL && Files.exists(ports)) {
      Map<String, String> p = readPorts(ports);
      for (Service s : Service.values()) {
        String port = p.get(s.id());
        if (port != null && port.matches("\\d{1,5}")) {
          urls.put(s, URI.create("http://127.0.0.1:" + port));
        }
      }
    }
    if (mode == Mode.CLOUD) {
      for (Service s : Service.values()) {
        String url = settings.get("url." + s.id());
        if (url != null) {
          urls.put(s, uri(url, "url." + s.id()));
        }
      }
    }
    // The environment wins in both modes (e.g. a service started by hand on another port).
    for (Service s : Service.values()) {
      String url = env.get(s.envVar());
      if (url != null) {
        urls.put(s, uri(url, s.envVar()));
      }
    }
    return new Endpoints(mode, home, Map.copyOf(urls));
  }

  /** The service's base URL, or a usage error that says how to configure it. */
  public URI of(Service service) {
    URI url = urls.get(service);
    if (url != null) {
      return url;
    }
    if (mode == Mode.LOCAL) {
      throw new CliException(
          Exit.ERROR,
          "local mode is not up (no "
              + mlcpHome.resolve("run/ports.env")
              + "): mlcp local up, or --mode cloud");
    }
    throw new CliException(
        Exit.USAGE,
        "no URL for "
            + service.id()
            + " in cloud mode: mlcp config set url."
            + service.id()
            + " https://... (terraform output service_urls), or "
            + service.envVar());
  }

  /** {@code MLCP_HOME}, else {@code $MLCP_REPO/.mlcp}, else {@code ./.mlcp}. */
  static Path mlcpHome(Env env) {
    String home = env.get("MLCP_HOME");
    if (home != null) {
      return Path.of(home).toAbsolutePath();
    }
    String repo = env.get("MLCP_REPO");
    return (repo != null ? Path.of(repo) : Path.of("")).toAbsolutePath().resolve(".mlcp");
  }

  private static Map<String, String> readPorts(Path ports) {
    Map<String, String> map = new java.util.HashMap<>();
    try {
      for (String line : Files.readAllLines(ports)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          map.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
    } catch (IOException e) {
      throw new CliException(Exit.ERROR, "cannot read " + ports + ": " + e.getMessage(), e);
    }
    return map;
  }

  private static URI uri(String text, String source) {
    if (!text.matches("https?://[^\\s]+")) {
      throw new CliException(Exit.USAGE, source + " must be an http(s) URL: " + text);
    }
    return URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
  }
}
