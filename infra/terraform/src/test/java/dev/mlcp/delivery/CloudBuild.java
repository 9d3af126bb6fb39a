package dev.mlcp.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Cloud Build configurations as Cloud Build reads them, and a way to run one of their bash steps
 * here: substitutions applied with Cloud Build's rules, {@code gcloud} replaced by a fake that
 * records its arguments (and answers {@code subscriptions pull} from a queue of files).
 */
final class CloudBuild {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern VARIABLE =
      Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))");

  /** Built-in substitutions of a triggered build, with values for tests. */
  static final Map<String, String> BUILT_INS =
      Map.of(
          "PROJECT_ID", "my-project",
          "BUILD_ID", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
          "SHORT_SHA", "abc1234",
          "COMMIT_SHA", "abc1234def5678",
          "BRANCH_NAME", "main",
          "LOCATION", "europe-west4");

  private CloudBuild() {}

  static JsonNode read(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The step with {@code id}; fails naming it when there is none. */
  static JsonNode step(JsonNode build, String id) {
    for (JsonNode step : build.path("steps")) {
      if (id.equals(step.path("id").asText())) {
        return step;
      }
    }
    throw new AssertionError("no step " + id);
  }

  /** Every string of a step (name, entrypoint, args, env) joined: what it runs. */
  static String text(JsonNode step) {
    List<String> parts = new ArrayList<>();
    parts.add(step.path("name").asText());
    parts.add(step.path("entrypoint").asText());
    step.path("args").forEach(a -> parts.add(a.asText()));
    step.path("env").forEach(a -> parts.add(a.asText()));
    return String.join(" ", parts);
  }

  /** Names of the substitutions used ($_X, ${_X}) anywhere in the file's steps and options. */
  static List<String> userSubstitutionsUsed(JsonNode build) {
    List<String> used = new ArrayList<>();
    for (JsonNode step : build.path("steps")) {
      Matcher m = VARIABLE.matcher(text(step).replace("$$", ""));
      while (m.find()) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        if (name.startsWith("_") && !used.contains(name)) {
          used.add(name);
        }
      }
    }
    return used;
  }

  /**
   * {@code value} as Cloud Build substitutes it: {@code $$} is a literal {@code $}; {@code $NAME}
   * and {@code ${NAME}} must be known, else the build is refused.
   */
  static String substitute(String value, Map<String, String> substitutions) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      if (value.startsWith("$$", i)) {
        out.append('$');
        i += 2;
        continue;
      }
      Matcher m = VARIABLE.matcher(value);
      if (value.charAt(i) == '$' && m.find(i) && m.start() == i) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        String replacement = substitutions.get(name);
        if (replacement == null) {
          throw new AssertionError("Cloud Build would refuse $" + name + " in: " + value);
        }
        out.append(replacement);
        i = m.end();
        continue;
      }
      out.append(value.charAt(i++));
    }
    return out.toString();
  }

  /** The build's substitutions: built-ins, the file's defaults (dynamic), then {@code given}. */
  static Map<String, String> substitutions(JsonNode build, Map<String, String> given) {
    Map<String, String> values = new LinkedHashMap<>(BUILT_INS);
    build
        .path("substitutions")
        .fields()
        .forEachRemaining(
            f -> values.put(f.getKey(), substitute(f.getValue().asText(), BUILT_INS)));
    values.putAll(given);
    return values;
  }

  /**
   * What running a step's {@code bash -c} script did.
   *
   * @param exitCode the script's status
   * @param output its stdout and stderr
   * @param gcloudCalls the fake gcloud's argument lists, in order
   */
  record Run(int exitCode, String output, List<List<String>> gcloudCalls) {}

  /**
   * Runs a bash step with {@code given} substitutions in {@code workspace} (which gets a copy of
   * infra/cloudbuild, like Cloud Build's /workspace holds the checkout).
   */
  static Run runBashStep(JsonNode build, String id, Map<String, String> given, Path workspace)
      throws IOException, InterruptedException {
    JsonNode step = step(build, id);
    if (!"bash".equals(step.path("entrypoint").asText())
        || !"-c".equals(step.path("args").path(0).asText())) {
      throw new AssertionError(id + " is not a bash -c step");
    }
    Map<String, String> substitutions = substitutions(build, given);
    Path scripts = Files.createDirectories(workspace.resolve("infra/cloudbuild"));
    try (Stream<Path> files = Files.list(Repo.root().resolve("infra/cloudbuild"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".py")).toList()) {
        Files.copy(f, scripts.resolve(f.getFileName()));
      }
    }
    Path bin = fakeGcloud(workspace);
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash", "-c", substitute(step.path("args").path(1).asText(), substitutions))
            .directory(workspace.toFile())
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    for (JsonNode e : step.path("env")) {
      String[] kv = substitute(e.asText(), substitutions).split("=", 2);
      env.put(kv[0], kv[1]);
    }
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("FAKE_GCLOUD_LOG", workspace.resolve("gcloud.log").toString());
    env.put("FAKE_GCLOUD_PULLS", workspace.resolve("pulls").toString());
    Process process = pb.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(id + " did not finish");
    }
    return new Run(process.exitValue(), output, gcloudCalls(workspace));
  }

  /** A gcloud on PATH that records its arguments and answers pulls from {@code pulls/<n>.json}. */
  static Path fakeGcloud(Path workspace) throws IOException {
    Path bin = Files.createDirectories(workspace.resolve("bin"));
    Files.createDirectories(workspace.resolve("pulls"));
    Path gcloud = bin.resolve("gcloud");
    Files.writeString(
        gcloud,
        """
        #!/usr/bin/env python3
        # Fake gcloud: records argv (one JSON list per line); answers
        # `pubsub subscriptions pull` with the next file of $FAKE_GCLOUD_PULLS, or [].
        import json, os, sys
        with open(os.environ["FAKE_GCLOUD_LOG"], "a") as log:
            log.write(json.dumps(sys.argv[1:]) + "\\n")
        if sys.argv[1:4] == ["pubsub", "subscriptions", "pull"]:
            queue = os.environ["FAKE_GCLOUD_PULLS"]
            files = sorted(os.listdir(queue), key=lambda n: int(n.split(".")[0]))
            if files:
                path = os.path.join(queue, files[0])
                sys.stdout.write(open(path).read())
                os.remove(path)
            else:
                sys.stdout.write("[]")
        """,
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(gcloud, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  static List<List<String>> gcloudCalls(Path workspace) throws IOException {
    Path log = workspace.resolve("gcloud.log");
    List<List<String>> calls = new ArrayList<>();
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        List<String> argv = new ArrayList<>();
        Hcl.JSON.readTree(line).forEach(a -> argv.add(a.asText()));
        calls.add(argv);
      }
    }
    return calls;
  }

  /** The value of {@code --name=value} in {@code argv}. */
  static String flag(List<String> argv, String name) {
    for (String arg : argv) {
      if (arg.startsWith(name + "=")) {
        return arg.substring(name.length() + 1);
      }
    }
    throw new AssertionError("no " + name + " in " + argv);
  }

  /** gcloud's {@code --attribute=k=v,k=v} as a map. */
  static Map<String, String> attributes(String flagValue) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : flagValue.split(",")) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2 || out.put(kv[0], kv[1]) != null) {
        throw new AssertionError("malformed attribute '" + pair + "' in " + flagValue);
      }
    }
    return out;
  }
}
