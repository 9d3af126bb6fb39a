package dev.mlcp.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Terraform directories parsed by {@code @cdktf/hcl2json} (src/test/js/hcl2json.mjs, installed by
 * {@code npm ci} in the build): {@code *.tf} through node, {@code *.tf.json} read as they are.
 */
final class Hcl {
  static final ObjectMapper JSON = new ObjectMapper();

  private Hcl() {}

  /** Each directory's configuration, in one node process for all of them. */
  static Map<Path, TerraformConfig> parse(List<Path> dirs) {
    List<String> command = new ArrayList<>(List.of("node", script().toString()));
    dirs.forEach(d -> command.add(d.toString()));
    JsonNode parsed;
    try {
      Path out = Files.createTempFile("hcl2json", ".json");
      Path err = Files.createTempFile("hcl2json", ".err");
      try {
        Process process =
            new ProcessBuilder(command)
                .directory(Repo.terraform().toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("hcl2json timed out");
        }
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              "hcl2json failed (did `npm ci` run in infra/terraform?): "
                  + Files.readString(err, StandardCharsets.UTF_8));
        }
        parsed = JSON.readTree(out.toFile());
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run node: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    Map<Path, TerraformConfig> configs = new LinkedHashMap<>();
    for (Path dir : dirs) {
      Map<String, JsonNode> files = new LinkedHashMap<>();
      parsed
          .get(dir.toString())
          .fields()
          .forEachRemaining(f -> files.put(f.getKey(), f.getValue()));
      files.putAll(jsonFiles(dir));
      configs.put(dir, new TerraformConfig(files));
    }
    return configs;
  }

  /** One directory's configuration. */
  static TerraformConfig parse(Path dir) {
    return parse(List.of(dir)).get(dir);
  }

  private static Map<String, JsonNode> jsonFiles(Path dir) {
    Map<String, JsonNode> files = new LinkedHashMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path file : list.filter(p -> p.toString().endsWith(".tf.json")).sorted().toList()) {
        files.put(file.getFileName().toString(), JSON.readTree(file.toFile()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + dir, e);
    }
    return files;
  }

  private static Path script() {
    return Repo.terraform().resolve("src/test/js/hcl2json.mjs");
  }
}
