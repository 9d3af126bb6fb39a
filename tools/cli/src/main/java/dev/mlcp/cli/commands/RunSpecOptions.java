package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Exit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The flags of a run spec ({@code RunSpec}), shared by {@code runs submit} and {@code schedules
 * put}.
 */
public final class RunSpecOptions {
  @Option(
      names = {"-f", "--file"},
      paramLabel = "SPEC",
      description = "the spec as a JSON or YAML file (- for stdin); flags override its fields")
  String file;

  @Option(names = "--name", description = "run name (also the model name)")
  String name;

  @Option(names = "--image", description = "container image (Artifact Registry path)")
  String image;

  @Option(names = "--command", split = ",", description = "entrypoint override, comma-separated")
  List<String> command;

  @Option(names = "--env", paramLabel = "KEY=VALUE", description = "container environment (repeat)")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(
      names = "--secret",
      paramLabel = "NAME",
      description = "Secret Manager secret into the env (repeat)")
  List<String> secrets = new ArrayList<>();

  @Option(names = "--machine-type", description = "GCE machine type")
  String machineType;

  @Option(
      names = "--accelerator",
      paramLabel = "TYPE[:COUNT]",
      description = "e.g. nvidia-tesla-t4:1")
  String accelerator;

  @Option(names = "--spot", description = "run on a Spot VM")
  Boolean spot;

  @Option(names = "--on-preemption", description = "retry, fallbackOnDemand or fail")
  String onPreemption;

  @Option(names = "--zone", description = "zone, in order of preference (repeat)")
  List<String> zones = new ArrayList<>();

  @Option(
      names = "--max-run-duration",
      paramLabel = "DURATION",
      description = "hard limit, e.g. 2h")
  String maxRunDuration;

  @Option(
      names = "--input",
      paramLabel = "URI",
      description = "gs://, bq://, spanner://, models:/ (repeat)")
  List<String> inputs = new ArrayList<>();

  @Option(names = "--output-uri", description = "where artifacts go (gs://...)")
  String outputUri;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "label of the run and its VM (repeat)")
  Map<String, String> labels = new LinkedHashMap<>();

  @Parameters(paramLabel = "ARG", description = "container arguments (after --)")
  List<String> args = new ArrayList<>();

  /** The spec as JSON: the file's, with the flags given on top. */
  ObjectNode spec(java.io.InputStream stdin) {
    ObjectNode spec = file == null ? Json.object() : Json.file(file, stdin);
    put(spec, "name", name);
    put(spec, "image", image);
    if (command != null) {
      array(spec, "command", command);
    }
    if (!args.isEmpty()) {
      array(spec, "args", args);
    }
    if (!env.isEmpty()) {
      ObjectNode e = spec.putObject("env");
      env.forEach(e::put);
    }
    if (!secrets.isEmpty()) {
      array(spec, "secrets", secrets);
    }
    put(spec, "machineType", machineType);
    if (accelerator != null) {
      String[] parts = accelerator.split(":", 2);
      spec.put("acceleratorType", parts[0]);
      try {
        spec.put("acceleratorCount", parts.length == 2 ? Integer.parseInt(parts[1]) : 1);
      } catch (NumberFormatException e) {
        throw new CliException(
            Exit.USAGE, "--accelerator must be TYPE[:COUNT], not " + accelerator);
      }
    }
    if (spot != null) {
      spec.put("spot", spot);
    }
    put(spec, "onPreemption", onPreemption);
    if (!zones.isEmpty()) {
      array(spec, "zones", zones);
    }
    if (maxRunDuration != null) {
      spec.put(
          "maxRunDurationSeconds", Json.duration(maxRunDuration, "--max-run-duration").toSeconds());
    }
    if (!inputs.isEmpty()) {
      array(spec, "inputs", inputs);
    }
    put(spec, "outputUri", outputUri);
    if (!labels.isEmpty()) {
      ObjectNode l = spec.putObject("labels");
      labels.forEach(l::put);
    }
    if (!spec.hasNonNull("name") || !spec.hasNonNull("image")) {
      throw new CliException(
          Exit.USAGE, "a run needs --name and --image (or a spec file with both)");
    }
    return spec;
  }

  private static void put(ObjectNode spec, String field, String value) {
    if (value != null) {
      spec.put(field, value);
    }
  }

  private static void array(ObjectNode spec, String field, List<String> values) {
    ArrayNode a = spec.putArray(field);
    values.forEach(a::add);
  }
}
