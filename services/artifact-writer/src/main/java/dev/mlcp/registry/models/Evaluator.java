package dev.mlcp.registry.models;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An evaluation image run against chosen versions (seed 003's attacks, re-run every two weeks): one
 * training run per version, with the version's URI as its input; its {@code metrics.json} becomes
 * the version's evaluation.
 *
 * @param name the evaluator's name, also its runs' name
 * @param image the container image (Artifact Registry)
 * @param args container arguments
 * @param machineType GCE machine type; null for training-runner's default
 */
public record Evaluator(String name, String image, List<String> args, String machineType) {
  /** An Artifact Registry image, as training-runner requires of every run. */
  static final Pattern IMAGE =
      Pattern.compile(
          "[a-z0-9-]+-docker\\.pkg\\.dev"
              + "/[a-z][-a-z0-9]{4,28}[a-z0-9]"
              + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+"
              + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
              + "(?:@sha256:[a-f0-9]{64})?");

  private static final Pattern MACHINE_TYPE = Pattern.compile("[a-z0-9][-a-z0-9]{1,62}");
  static final int MAX_ARGS = 64;
  static final int MAX_ARG_LENGTH = 1024;

  public Evaluator {
    args = args == null ? List.of() : List.copyOf(args);
  }

  /** Every rule this evaluator breaks, fields under {@code path}. */
  public List<RegistryException.Violation> violations(String path) {
    List<RegistryException.Violation> out = new ArrayList<>();
    if (!Names.isName(name)) {
      out.add(new RegistryException.Violation(path + ".name", "must be " + Names.rule()));
    }
    if (image == null || !IMAGE.matcher(image).matches()) {
      out.add(
          new RegistryException.Violation(
              path + ".image",
              "must be an Artifact Registry image"
                  + " LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG][@sha256:DIGEST]"));
    }
    if (args.size() > MAX_ARGS) {
      out.add(new RegistryException.Violation(path + ".args", "at most " + MAX_ARGS + " entries"));
    }
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a == null || a.length() > MAX_ARG_LENGTH || a.indexOf('\0') >= 0) {
        out.add(
            new RegistryException.Violation(
                path + ".args[" + i + "]",
                "must be set, at most " + MAX_ARG_LENGTH + " characters, without NUL"));
      }
    }
    if (machineType != null && !MACHINE_TYPE.matcher(machineType).matches()) {
      out.add(
          new RegistryException.Violation(
              path + ".machineType", "must be a GCE machine type such as n1-standard-4"));
    }
    return out;
  }
}
