package dev.mlcp.experiments.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a notebook VM's agent last wrote to its guest attribute {@code mlcp/heartbeat}
 * (infra/vm/README.md, "Notebook mode"). The agent reduces JupyterLab's API, SSH sessions and GPU
 * use to {@code lastActivity}; this service decides idleness from it.
 *
 * @param at when the agent sampled
 * @param lastActivity the newest activity it saw (a busy kernel or GPU counts as {@code at}); null
 *     when nothing happened since the agent started
 * @param activeNow what was active at {@code at}: {@code kernel}, {@code ssh}, {@code gpu}
 * @param jupyter {@code up} or {@code down}
 * @param server which JupyterLab: {@code existing}, {@code jupyterlab}, {@code fallback}, {@code
 *     none}
 * @param port the port JupyterLab serves on the VM
 * @param kernels open kernels
 * @param busyKernels kernels executing
 * @param terminals open terminals
 * @param connections open browser connections
 * @param sshSessions remote login sessions
 * @param gpuUtilization highest GPU utilisation in percent, null without GPUs
 */
public record Heartbeat(
    Instant at,
    Instant lastActivity,
    List<String> activeNow,
    String jupyter,
    String server,
    Integer port,
    int kernels,
    int busyKernels,
    int terminals,
    int connections,
    int sshSessions,
    Integer gpuUtilization) {

  /** The guest-attribute namespace the agent writes to. */
  public static final String NAMESPACE = "mlcp";

  /** The key of the heartbeat in {@link #NAMESPACE}. */
  public static final String KEY = "heartbeat";

  /** Copies the list. */
  public Heartbeat {
    activeNow = activeNow == null ? List.of() : List.copyOf(activeNow);
  }

  /**
   * Parses the agent's JSON. The VM is the user's: anything unreadable is no heartbeat at all (the
   * experiment then counts as active until its TTL), never an error.
   */
  public static Optional<Heartbeat> parse(String json, ObjectMapper mapper) {
    if (json == null || json.isBlank() || json.length() > 4096) {
      return Optional.empty();
    }
    try {
      JsonNode node = mapper.readTree(json);
      Instant at = instant(node.path("at"));
      if (at == null) {
        return Optional.empty();
      }
      List<String> active = new ArrayList<>();
      for (JsonNode a : node.path("activeNow")) {
        if (a.isTextual() && a.asText().matches("[a-z-]{1,20}")) {
          active.add(a.asText());
        }
      }
      return Optional.of(
          new Heartbeat(
              at,
              instant(node.path("lastActivity")),
              active,
              text(node.path("jupyter")),
              text(node.path("server")),
              node.path("port").canConvertToInt() && node.path("port").asInt() > 0
                  ? node.path("port").asInt()
                  : null,
              Math.max(0, node.path("kernels").asInt(0)),
              Math.max(0, node.path("busyKernels").asInt(0)),
              Math.max(0, node.path("terminals").asInt(0)),
              Math.max(0, node.path("connections").asInt(0)),
              Math.max(0, node.path("sshSessions").asInt(0)),
              node.path("gpuUtilization").isNumber() ? node.path("gpuUtilization").asInt() : null));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Instant instant(JsonNode node) {
    if (!node.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(node.asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String text(JsonNode node) {
    return node.isTextual() && node.asText().matches("[a-z]{1,20}") ? node.asText() : null;
  }
}
