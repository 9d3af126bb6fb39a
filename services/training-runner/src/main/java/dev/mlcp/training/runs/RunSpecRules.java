package dev.mlcp.training.runs;

import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.instances.GceNames;
import dev.mlcp.training.inputs.InputSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a run spec must follow before anything is created for it. Values end up in GCE names,
 * labels and metadata, never in a shell; these rules keep them inside what GCE accepts and what the
 * VM agent expects.
 */
public final class RunSpecRules {
  /** Run names are shorter than GCE's limit: they are used as model names and path segments. */
  static final int MAX_NAME = 40;

  /**
   * Machine types GCE offers: predefined {@code family-class-N}, shared-core and custom shapes. A
   * typo is caught here rather than by a failed insert after the VM was half-created.
   */
  static final Pattern MACHINE_TYPE =
      Pattern.compile(
          "(?:(?:e2|n1|n2|n2d|n4|c2|c2d|c3|c3d|c4|c4a|c4d|t2d|t2a|m1|m2|m3|h3|z3)"
              + "-(?:standard|highmem|highcpu|megamem|ultramem|hypermem|highgpu|standardlssd)"
              + "-\\d{1,3}(?:-lssd)?)"
              + "|(?:a2-(?:highgpu|megagpu|ultragpu)-\\d{1,2}g)"
              + "|(?:a3-(?:highgpu|megagpu|ultragpu|edgegpu)-\\d{1,2}g)"
              + "|(?:g2-standard-\\d{1,2})"
              + "|(?:e2-(?:micro|small|medium))|(?:f1-micro)|(?:g1-small)"
              + "|(?:(?:n1|n2|n2d|e2|n4)-custom-\\d{1,3}-\\d{3,7}(?:-ext)?)");

  static final Set<String> ACCELERATORS =
      Set.of(
          "nvidia-tesla-t4",
          "nvidia-tesla-p4",
          "nvidia-tesla-p100",
          "nvidia-tesla-v100",
          "nvidia-tesla-a100",
          "nvidia-a100-80gb",
          "nvidia-l4",
          "nvidia-h100-80gb",
          "nvidia-h100-mega-80gb",
          "nvidia-h200-141gb");

  static final Set<Integer> ACCELERATOR_COUNTS = Set.of(1, 2, 4, 8, 16);

  /**
   * A container image in an Artifact Registry Docker repository: {@code
   * LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE[:TAG][@sha256:DIGEST]}.
   */
  static final Pattern IMAGE =
      Pattern.compile(
          "[a-z0-9-]+-docker\\.pkg\\.dev"
              + "/[a-z][-a-z0-9]{4,28}[a-z0-9]"
              + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+"
              + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
              + "(?:@sha256:[a-f0-9]{64})?");

  static final Pattern ZONE = Pattern.compile("[a-z]+-[a-z]+[0-9]+-[a-z]");
  static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");

  /**
   * A bucket and an object prefix without quotes, backslashes, wildcards or control characters: the
   * VM agent puts input prefixes into a Credential Access Boundary's CEL conditions.
   */
  static final Pattern GCS_URI =
      Pattern.compile(
          "gs://([a-z0-9][-_.a-z0-9]{1,220}[a-z0-9])(/[^\\x00-\\x1f\\x7f'\"\\\\*?\\[\\]]*)?");

  /** Input buckets a run may read: a Credential Access Boundary holds 10 rules, one is staging. */
  static final int MAX_INPUT_BUCKETS = 9;

  static final Pattern BQ_URI =
      Pattern.compile(
          "bq://[a-z][-a-z0-9]{4,28}[a-z0-9]\\.[A-Za-z0-9_]{1,1024}\\.[-A-Za-z0-9_$]{1,1024}");
  static final Set<String> ON_PREEMPTION = Set.of("retry", "fallbackOnDemand", "fail");

  static final Duration MIN_DURATION = Duration.ofSeconds(30);
  static final Duration MAX_DURATION = Duration.ofDays(7);
  static final int MAX_ARGS = 256;
  static final int MAX_ARG_LENGTH = 4096;
  static final int MAX_NEXT_DEPTH = 4;

  /** Follow-up runs one spec may name directly. */
  static final int MAX_NEXT_WIDTH = 8;

  /** Follow-up runs one request may start in all, at every depth (one POST, bounded VMs). */
  static final int MAX_DESCENDANTS = 16;

  static final int MAX_ENV = 64;
  static final int MAX_SECRETS = 32;
  static final int MAX_INPUTS = 64;
  static final int MAX_ZONES = 10;
  static final int MAX_URI_LENGTH = 2048;

  private RunSpecRules() {}

  /**
   * Every rule {@code spec} breaks, each naming its field under {@code path} (e.g. {@code spec}).
   */
  public static List<SpecViolation> check(RunSpec spec, String path) {
    List<SpecViolation> out = new ArrayList<>();
    check(spec, path, 0, out);
    int descendants = descendants(spec);
    if (descendants > MAX_DESCENDANTS) {
      out.add(
          new SpecViolation(
              path + ".next",
              "starts "
                  + descendants
                  + " follow-up runs in all; at most "
                  + MAX_DESCENDANTS
                  + " per request"));
    }
    return out;
  }

  /** Follow-up runs a spec starts at every depth. */
  static int descendants(RunSpec spec) {
    int n = 0;
    for (RunSpec child : spec.next()) {
      n += 1 + descendants(child);
    }
    return n;
  }

  /** Throws {@link InvalidRunSpecException} unless {@code spec} follows every rule. */
  public static void require(RunSpec spec, String path) {
    List<SpecViolation> violations = check(spec, path);
    if (!violations.isEmpty()) {
      throw new InvalidRunSpecException(violations);
    }
  }

  private static void check(RunSpec spec, String p, int depth, List<SpecViolation> out) {
    if (spec.name().length() > MAX_NAME || !GceNames.isValidName(spec.name())) {
      out.add(
          new SpecViolation(
              p + ".name",
              "must be 1-"
                  + MAX_NAME
                  + " characters: lowercase letters, digits and '-', "
                  + "starting with a letter and not ending with '-'"));
    }
    if (!IMAGE.matcher(spec.image()).matches()) {
      out.add(
          new SpecViolation(
              p + ".image",
              "must be an Artifact Registry image "
                  + "LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG][@sha256:DIGEST]"));
    }
    checkArgs(spec.command(), p + ".command", out);
    checkArgs(spec.args(), p + ".args", out);
    checkCount(spec.env().size(), MAX_ENV, p + ".env", out);
    checkCount(spec.secrets().size(), MAX_SECRETS, p + ".secrets", out);
    checkCount(spec.inputs().size(), MAX_INPUTS, p + ".inputs", out);
    checkCount(spec.zones().size(), MAX_ZONES, p + ".zones", out);
    checkCount(spec.next().size(), MAX_NEXT_WIDTH, p + ".next", out);
    for (Map.Entry<String, String> e : spec.env().entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches() || e.getKey().startsWith("MLCP_")) {
        out.add(
            new SpecViolation(
                p + ".env." + e.getKey(),
                "must be a variable name [A-Za-z_][A-Za-z0-9_]* not starting with MLCP_"));
      }
      if (e.getValue() == null || e.getValue().length() > MAX_ARG_LENGTH) {
        out.add(
            new SpecViolation(p + ".env." + e.getKey(), "value must be set, at most 4096 chars"));
      }
    }
    for (int i = 0; i < spec.secrets().size(); i++) {
      String s = spec.secrets().get(i);
      if (s == null || !SECRET_NAME.matcher(s).matches()) {
        out.add(
            new SpecViolation(
                p + ".secrets[" + i + "]",
                "must be a Secret Manager secret name: letters, digits, '-' and '_'"));
      }
    }
    if (spec.machineType() != null && !MACHINE_TYPE.matcher(spec.machineType()).matches()) {
      out.add(
          new SpecViolation(
              p + ".machineType",
              "unknown machine type '"
                  + spec.machineType()
                  + "' (e.g. n1-standard-8, g2-standard-4)"));
    }
    checkAccelerator(spec, p, out);
    if (spec.onPreemption() != null && !ON_PREEMPTION.contains(spec.onPreemption())) {
      out.add(new SpecViolation(p + ".onPreemption", "must be one of " + ON_PREEMPTION));
    }
    if (spec.onPreemption() != null && !spec.spot()) {
      out.add(new SpecViolation(p + ".onPreemption", "applies to spot runs only"));
    }
    for (int i = 0; i < spec.zones().size(); i++) {
      String z = spec.zones().get(i);
      if (z == null || !ZONE.matcher(z).matches()) {
        out.add(new SpecViolation(p + ".zones[" + i + "]", "must be a zone like europe-west4-a"));
      }
    }
    if (spec.maxRunDurationSeconds() != 0) {
      Duration d = Duration.ofSeconds(spec.maxRunDurationSeconds());
      if (d.compareTo(MIN_DURATION) < 0 || d.compareTo(MAX_DURATION) > 0) {
        out.add(
            new SpecViolation(
                p + ".maxRunDurationSeconds", "must be between 30 seconds and 7 days (604800)"));
      }
    }
    for (int i = 0; i < spec.inputs().size(); i++) {
      String in = spec.inputs().get(i);
      if (in == null
          || in.length() > MAX_URI_LENGTH
          || !(GCS_URI.matcher(in).matches() || BQ_URI.matcher(in).matches())) {
        String why = null;
        if (in != null && in.length() > MAX_URI_LENGTH) {
          why = "at most " + MAX_URI_LENGTH + " characters";
        } else {
          try {
            InputSource.parse(in);
          } catch (IllegalArgumentException e) {
            why = e.getMessage();
          }
        }
        if (why != null) {
          out.add(new SpecViolation(p + ".inputs[" + i + "]", why));
        }
      }
    }
    long buckets =
        spec.inputs().stream()
            .filter(java.util.Objects::nonNull)
            .map(GCS_URI::matcher)
            .filter(java.util.regex.Matcher::matches)
            .map(m -> m.group(1))
            .distinct()
            .count();
    if (buckets > MAX_INPUT_BUCKETS) {
      out.add(
          new SpecViolation(
              p + ".inputs",
              "reads "
                  + buckets
                  + " buckets; at most "
                  + MAX_INPUT_BUCKETS
                  + " (one credential access boundary rule each)"));
    }
    if (spec.outputUri() != null
        && (spec.outputUri().length() > MAX_URI_LENGTH
            || !GCS_URI.matcher(spec.outputUri()).matches())) {
      out.add(new SpecViolation(p + ".outputUri", "must be gs://BUCKET[/PATH]"));
    }
    checkLabels(spec.labels(), p + ".labels", out);
    if (!spec.next().isEmpty() && depth >= MAX_NEXT_DEPTH) {
      out.add(
          new SpecViolation(
              p + ".next", "follow-up runs nest at most " + MAX_NEXT_DEPTH + " deep"));
      return;
    }
    for (int i = 0; i < spec.next().size(); i++) {
      check(spec.next().get(i), p + ".next[" + i + "]", depth + 1, out);
    }
  }

  private static void checkCount(int count, int max, String field, List<SpecViolation> out) {
    if (count > max) {
      out.add(new SpecViolation(field, "at most " + max + " entries, got " + count));
    }
  }

  private static void checkArgs(List<String> args, String field, List<SpecViolation> out) {
    if (args.size() > MAX_ARGS) {
      out.add(new SpecViolation(field, "at most " + MAX_ARGS + " entries"));
    }
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a == null || a.length() > MAX_ARG_LENGTH || a.indexOf('\0') >= 0) {
        out.add(
            new SpecViolation(
                field + "[" + i + "]", "must be set, at most 4096 chars, without NUL"));
      }
    }
  }

  private static void checkAccelerator(RunSpec spec, String p, List<SpecViolation> out) {
    if (spec.acceleratorType() == null && spec.acceleratorCount() == 0) {
      return;
    }
    if (spec.acceleratorType() == null || !ACCELERATORS.contains(spec.acceleratorType())) {
      out.add(
          new SpecViolation(
              p + ".acceleratorType", "must be one of " + ACCELERATORS.stream().sorted().toList()));
    }
    if (!ACCELERATOR_COUNTS.contains(spec.acceleratorCount())) {
      out.add(new SpecViolation(p + ".acceleratorCount", "must be 1, 2, 4, 8 or 16"));
    }
  }

  static void checkLabels(Map<String, String> labels, String field, List<SpecViolation> out) {
    if (labels.size() > 32) {
      out.add(new SpecViolation(field, "at most 32 user labels"));
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (!GceNames.isValidLabelKey(e.getKey()) || e.getKey().startsWith("mlcp-")) {
        out.add(
            new SpecViolation(
                field + "." + e.getKey(),
                "label keys are lowercase letters, digits, '-' and '_', start with a letter,"
                    + " at most 63 chars, and do not start with mlcp-"));
      }
      if (!GceNames.isValidLabelValue(e.getValue())) {
        out.add(
            new SpecViolation(
                field + "." + e.getKey(),
                "label values are lowercase letters, digits, '-' and '_', at most 63 chars"));
      }
    }
  }
}
