package dev.mlcp.training.runs;

import dev.mlcp.events.RunSpec;
import dev.mlcp.platform.secrets.SecretAccess;
import dev.mlcp.platform.secrets.SecretInfo;
import dev.mlcp.platform.secrets.Secrets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What a run request must satisfy beyond its shape ({@link RunSpecRules}): the images it may run,
 * the secrets its owner may read, what fits in a VM's metadata, and the owner's share of the
 * project (concurrent runs, accelerators), so one request or one user cannot exhaust it.
 */
public final class SubmitPolicy {
  /** GCE's limit on all metadata of one instance. */
  static final int MAX_METADATA_BYTES = 512 * 1024;

  /**
   * Configured limits.
   *
   * @param maxActiveRunsPerOwner runs not yet ended an owner may have
   * @param maxAcceleratorsPerOwner accelerators the active runs of an owner may hold
   * @param imagePrefixes images allowed (prefixes such as {@code europe-docker.pkg.dev/p/repo/});
   *     empty allows every Artifact Registry image
   */
  public record Limits(
      int maxActiveRunsPerOwner, int maxAcceleratorsPerOwner, List<String> imagePrefixes) {
    public Limits {
      imagePrefixes = imagePrefixes == null ? List.of() : List.copyOf(imagePrefixes);
    }
  }

  private final Limits limits;
  private final Secrets secrets;
  private final Predicate<String> isAdmin;
  private final RunRepository runs;
  private final InstancePlan plan;

  public SubmitPolicy(
      Limits limits,
      Secrets secrets,
      Predicate<String> isAdmin,
      RunRepository runs,
      InstancePlan plan) {
    this.limits = limits;
    this.secrets = secrets;
    this.isAdmin = isAdmin;
    this.runs = runs;
    this.plan = plan;
  }

  /**
   * Checks {@code spec} (and its follow-ups) for {@code owner}.
   *
   * @throws InvalidRunSpecException for a disallowed image or metadata that cannot fit
   * @throws SecretNotUsableException for a secret the owner may not read
   * @throws OwnerLimitExceededException when the owner's share would be exceeded
   */
  public void check(String owner, RunSpec spec) {
    List<SpecViolation> violations = new ArrayList<>();
    checkSpec(spec, "spec", violations);
    if (!violations.isEmpty()) {
      throw new InvalidRunSpecException(violations);
    }
    checkSecrets(owner, spec, "spec");
    checkShare(owner, spec);
  }

  private void checkSpec(RunSpec spec, String path, List<SpecViolation> out) {
    if (!limits.imagePrefixes().isEmpty()
        && limits.imagePrefixes().stream().noneMatch(p -> spec.image().startsWith(p))) {
      out.add(
          new SpecViolation(
              path + ".image", "must come from an allowed registry: " + limits.imagePrefixes()));
    }
    int bytes = plan.metadataBytes(spec);
    if (bytes > MAX_METADATA_BYTES) {
      out.add(
          new SpecViolation(
              path,
              "needs "
                  + bytes / 1024
                  + " KB of VM metadata (args, env, secrets, inputs); GCE allows "
                  + MAX_METADATA_BYTES / 1024
                  + " KB per instance"));
    }
    for (int i = 0; i < spec.next().size(); i++) {
      checkSpec(spec.next().get(i), path + ".next[" + i + "]", out);
    }
  }

  private void checkSecrets(String owner, RunSpec spec, String path) {
    boolean admin = isAdmin.test(owner);
    for (int i = 0; i < spec.secrets().size(); i++) {
      String name = spec.secrets().get(i);
      Optional<SecretInfo> secret = secrets.get(name);
      if (secret.isEmpty() || !SecretAccess.mayRead(secret.get(), owner, admin)) {
        throw new SecretNotUsableException(path + ".secrets[" + i + "]", name, owner);
      }
    }
    for (int i = 0; i < spec.next().size(); i++) {
      checkSecrets(owner, spec.next().get(i), path + ".next[" + i + "]");
    }
  }

  /**
   * Counts through the owner's index entries (a listing, no reads) and reads the runs only when a
   * limit seems reached or accelerators are asked for: stale entries must not refuse a request. Two
   * requests racing may both pass the last free slot: the limit is a guard against runaway use, not
   * an exact quota.
   */
  private void checkShare(String owner, RunSpec spec) {
    if (limits.maxActiveRunsPerOwner() == Integer.MAX_VALUE
        && limits.maxAcceleratorsPerOwner() == Integer.MAX_VALUE) {
      return; // unlimited (benchmarks)
    }
    List<String> ids = runs.activeIdsOf(owner);
    if (ids.size() + 1 <= limits.maxActiveRunsPerOwner() && spec.acceleratorCount() == 0) {
      return;
    }
    List<Run> active = runs.findAll(ids).stream().filter(r -> !r.state().terminal()).toList();
    if (active.size() + 1 > limits.maxActiveRunsPerOwner()) {
      throw new OwnerLimitExceededException(
          owner, "active runs", limits.maxActiveRunsPerOwner(), active.size(), 1);
    }
    long accelerators = active.stream().mapToLong(r -> r.spec().acceleratorCount()).sum();
    if (accelerators + spec.acceleratorCount() > limits.maxAcceleratorsPerOwner()) {
      throw new OwnerLimitExceededException(
          owner,
          "accelerators",
          limits.maxAcceleratorsPerOwner(),
          accelerators,
          spec.acceleratorCount());
    }
  }
}
