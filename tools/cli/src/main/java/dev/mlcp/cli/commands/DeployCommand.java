package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Context;
import dev.mlcp.cli.Exit;
import dev.mlcp.cli.Service;
import dev.mlcp.cli.Verb;
import dev.mlcp.cli.http.Api;
import java.io.PrintStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mlcp deploy SERVICE}: deploys a model version as a new revision ({@code POST
 * /v1/services/{s}/revisions}) and by default waits for the rollout, printing each canary step with
 * its traffic weight and the revision's health. Deploys are for the CI/CD identity and admins
 * (locally: {@code --as ci@mlcp.local} or {@code --as admin@mlcp.local}).
 */
@Command(
    name = "deploy",
    description = {
      "Deploy a model version as a new revision of a serving service "
          + "(POST /v1/services/{s}/revisions), then wait for the rollout: canary steps with weights "
          + "and health. --async returns at once with the rollout. CI/CD identity and admins only.",
      "Example: mlcp --as ci@mlcp.local deploy churn --model demo-churn --alias production \\",
      "           --image IMAGE --strategy canary --steps 10,50,100"
    })
public final class DeployCommand extends Verb {
  static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "ROLLED_BACK");
  private static final DateTimeFormatter HMS =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  @Parameters(paramLabel = "SERVICE")
  String service;

  @Option(names = "--model", required = true, description = "the registry model")
  String model;

  @Option(names = "--version", description = "the model version (3 or v3)")
  String version;

  @Option(
      names = "--alias",
      description = "the alias to resolve instead of a version, e.g. production")
  String alias;

  @Option(names = "--sha256", description = "the version's manifest digest to insist on")
  String sha256;

  @Option(names = "--image", required = true, description = "the model server image")
  String image;

  @Option(names = "--target", description = "gce or cloudrun (service default when absent)")
  String target;

  @Option(names = "--strategy", description = "direct or canary")
  String strategy;

  @Option(names = "--steps", split = ",", description = "canary traffic percents, e.g. 10,50,100")
  List<Integer> steps;

  @Option(names = "--bake", paramLabel = "DURATION", description = "bake time per step, e.g. 60s")
  String bake;

  @Option(names = "--require-approval", description = "stop before 100 %% until approved")
  boolean requireApproval;

  @Option(names = "--machine-type")
  String machineType;

  @Option(names = "--min-replicas")
  Integer minReplicas;

  @Option(names = "--max-replicas")
  Integer maxReplicas;

  @Option(names = "--port", description = "the server's port")
  Integer port;

  @Option(names = "--health-path", description = "the server's health path")
  String healthPath;

  @Option(names = "--env", paramLabel = "KEY=VALUE", description = "server environment (repeat)")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = "--idempotency-key", description = "the same key returns the same rollout")
  String idempotencyKey;

  @ArgGroup(exclusive = true)
  WaitMode waitMode = new WaitMode();

  static final class WaitMode {
    @Option(names = "--wait", description = "wait for the rollout's end (the default)")
    boolean await;

    @Option(names = "--async", description = "return at once with the rollout")
    boolean async;
  }

  ObjectNode body() {
    if ((version == null) == (alias == null)) {
      throw new CliException(Exit.USAGE, "give --version or --alias (one of them)");
    }
    ObjectNode b = Json.object().put("image", image).put("model", model);
    put(b, "version", version);
    put(b, "alias", alias);
    put(b, "sha256", sha256);
    put(b, "target", target);
    put(b, "strategy", strategy);
    put(b, "machineType", machineType);
    put(b, "healthPath", healthPath);
    if (steps != null) {
      ArrayNode s = b.putArray("steps");
      steps.forEach(s::add);
    }
    if (bake != null) {
      b.put("bakeSeconds", Json.duration(bake, "--bake").toSeconds());
    }
    if (requireApproval) {
      b.put("requireApproval", true);
    }
    if (minReplicas != null) {
      b.put("minReplicas", minReplicas);
    }
    if (maxReplicas != null) {
      b.put("maxReplicas", maxReplicas);
    }
    if (port != null) {
      b.put("port", port);
    }
    if (!env.isEmpty()) {
      ObjectNode e = b.putObject("env");
      env.forEach(e::put);
    }
    return b;
  }

  private static void put(ObjectNode b, String field, String value) {
    if (value != null) {
      b.put(field, value);
    }
  }

  @Override
  protected int run(Context ctx) throws InterruptedException {
    JsonNode rollout =
        ctx.api()
            .post(Service.SERVING_DEPLOYER, ServicesCommand.path(service) + "/revisions")
            .header(
                "Idempotency-Key",
                idempotencyKey != null ? idempotencyKey : "cli-" + UUID.randomUUID())
            .body(body())
            .json();
    String id = rollout.path("id").asText();
    if (waitMode.async) {
      ctx.printer().row(rollout, ServicesCommand.ROLLOUTS);
      return Exit.OK;
    }
    ctx.err()
        .println(
            "rollout "
                + id
                + " of "
                + service
                + " accepted ("
                + rollout.path("state").asText()
                + ")");
    JsonNode last = watch(ctx, service, id);
    if (!ctx.printer().structured(last)) {
      ctx.out()
          .println(
              id
                  + " "
                  + last.path("state").asText()
                  + "  revision "
                  + last.path("revision").asText()
                  + "  traffic "
                  + last.path("trafficPercent").asInt()
                  + " %"
                  + (last.hasNonNull("reason") ? "  reason: " + last.path("reason").asText() : ""));
    }
    String state = last.path("state").asText();
    if (state.equals("AWAITING_APPROVAL")) {
      ctx.err()
          .println(
              "waiting for approval: mlcp services approve " + service + " " + id + " (or abort)");
      return Exit.OK;
    }
    return state.equals("SUCCEEDED") ? Exit.OK : Exit.UNSUCCESSFUL;
  }

  /** Polls the rollout until it ends or awaits approval, printing each change. */
  static JsonNode watch(Context ctx, String service, String id) throws InterruptedException {
    PrintStream err = ctx.err();
    boolean[] done = {false};
    Thread hook =
        new Thread(
            () -> {
              if (!done[0]) {
                err.println();
                err.println(
                    "detached: rollout "
                        + id
                        + " continues; mlcp services rollouts "
                        + service
                        + " / mlcp services abort "
                        + service
                        + " "
                        + id);
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      String shown = null;
      while (true) {
        JsonNode r =
            ctx.api()
                .get(
                    Service.SERVING_DEPLOYER,
                    ServicesCommand.path(service) + "/rollouts/" + Api.seg(id))
                .json();
        String state = r.path("state").asText();
        String health = health(ctx, service, r.path("revision").asText(null));
        String line =
            state
                + "  traffic "
                + r.path("trafficPercent").asInt()
                + " % of steps "
                + r.path("steps")
                + "  health "
                + health
                + (r.hasNonNull("lastVerdict")
                    ? "  analysis: " + r.path("lastVerdict").asText()
                    : "");
        if (!Objects.equals(line, shown)) {
          err.println("[" + HMS.format(ctx.clock().instant()) + "] " + line);
          shown = line;
        }
        if (TERMINAL.contains(state) || state.equals("AWAITING_APPROVAL")) {
          done[0] = true;
          return r;
        }
        Thread.sleep(ctx.poll().toMillis());
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C arrived while finishing: the hook prints
      }
    }
  }

  /** The revision's health from the service view: {@code 2/2 healthy}, or {@code -}. */
  static String health(Context ctx, String service, String revision) {
    if (revision == null) {
      return "-";
    }
    JsonNode s = ctx.api().get(Service.SERVING_DEPLOYER, ServicesCommand.path(service)).json();
    for (JsonNode r : s.path("revisions")) {
      if (revision.equals(r.path("revision").asText())) {
        JsonNode h = r.path("health");
        if (h.isMissingNode() || h.isNull()) {
          return "-";
        }
        if (!h.path("exists").asBoolean(true)) {
          return "not created";
        }
        return h.path("healthy").asInt() + "/" + h.path("instances").asInt() + " healthy";
      }
    }
    return "-";
  }
}
