package dev.mlcp.cli;

import java.util.Locale;

/** The four mlcp services the CLI calls. */
public enum Service {
  EXPERIMENT_VM("experiment-vm"),
  TRAINING_RUNNER("training-runner"),
  ARTIFACT_WRITER("artifact-writer"),
  SERVING_DEPLOYER("serving-deployer");

  private final String id;

  Service(String id) {
    this.id = id;
  }

  /** Its name: the key in ports.env and in the config file's {@code urls}. */
  public String id() {
    return id;
  }

  /** The environment variable overriding its URL: {@code MLCP_TRAINING_RUNNER_URL}. */
  public String envVar() {
    return "MLCP_" + name() + "_URL";
  }

  /** The service called {@code id}. */
  public static Service of(String id) {
    for (Service s : values()) {
      if (s.id.equals(id.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown service "
            + id
            + " (experiment-vm, training-runner, artifact-writer,"
            + " serving-deployer)");
  }
}
