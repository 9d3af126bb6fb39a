package dev.mlcp.experiments.notebooks;

import dev.mlcp.platform.instances.GceNames;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The admin's caps and defaults, and the rules Compute Engine sets for a VM's shape, applied to a
 * request on the server: a user chooses within them and cannot switch them off.
 */
public final class NotebookPolicy {

  /**
   * Admin caps ({@code mlcp.experiments.caps.*}).
   *
   * @param defaultTtl TTL when none is asked
   * @param maxTtl longest life from creation, extensions included
   * @param defaultIdleTimeout idle timeout when none is asked
   * @param minIdleTimeout shortest idle timeout
   * @param maxIdleTimeout longest idle timeout
   * @param allowedAccelerators accelerator types allowed
   * @param maxAcceleratorCount most accelerators per VM
   * @param maxConcurrentPerOwner most live experiments per owner
   * @param maxDiskGb largest boot disk
   * @param allowExternalIp whether external IPs may be asked for
   */
  public record Caps(
      Duration defaultTtl,
      Duration maxTtl,
      Duration defaultIdleTimeout,
      Duration minIdleTimeout,
      Duration maxIdleTimeout,
      List<String> allowedAccelerators,
      int maxAcceleratorCount,
      int maxConcurrentPerOwner,
      int maxDiskGb,
      boolean allowExternalIp) {
    public Caps {
      allowedAccelerators = List.copyOf(allowedAccelerators);
    }
  }

  /**
   * Defaults of what a request leaves out.
   *
   * @param zones zones in order
   * @param machineType machine type
   * @param imageFamily boot image without GPUs
   * @param gpuImageFamily boot image with GPUs
   * @param diskGb boot disk
   * @param externalIp external IP
   */
  public record Defaults(
      List<String> zones,
      String machineType,
      String imageFamily,
      String gpuImageFamily,
      int diskGb,
      boolean externalIp) {
    public Defaults {
      zones = List.copyOf(zones);
    }
  }

  /**
   * A request with every default applied and every rule checked.
   *
   * @param name the name
   * @param shape the VM
   * @param zones zones to try in order
   * @param ttl its time to live
   * @param idleTimeout its idle timeout
   */
  public record Resolved(
      String name, VmShape shape, List<String> zones, Duration ttl, Duration idleTimeout) {}

  /** Experiment names: GCE names short enough for the {@code nb-} prefix. */
  public static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,58}[a-z0-9])?");

  private static final Pattern MACHINE_TYPE = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+){1,4}");
  private static final Pattern ACCELERATOR = Pattern.compile("nvidia-[a-z0-9-]{1,40}");
  private static final Pattern IMAGE =
      Pattern.compile(
          "projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/global/images/(family/)?[a-z][-a-z0-9]{0,62}");
  private static final int MIN_DISK_GB = 10;
  private static final int MAX_ZONES = 10;

  /** Families whose machine types come with their GPUs attached (no guest accelerators). */
  private static final List<String> ACCELERATOR_OPTIMIZED = List.of("a2", "a3", "g2");

  private final Caps caps;
  private final Defaults defaults;

  public NotebookPolicy(Caps caps, Defaults defaults) {
    this.caps = caps;
    this.defaults = defaults;
  }

  /** The caps. */
  public Caps caps() {
    return caps;
  }

  /**
   * Applies defaults and checks the request.
   *
   * @throws InvalidExperimentException for a value GCE or mlcp does not accept
   * @throws CapExceededException for a value beyond an admin cap
   */
  public Resolved resolve(ExperimentRequest request) {
    String name = request.name();
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidExperimentException(
          "name",
          "must be 1-60 lowercase letters, digits and hyphens, starting with a letter and not"
              + " ending with a hyphen (the VM is named nb-<name>)");
    }
    String machineType =
        request.machineType() == null ? defaults.machineType() : request.machineType();
    if (!MACHINE_TYPE.matcher(machineType).matches() || machineType.length() > 63) {
      throw new InvalidExperimentException(
          "machineType", "must be a Compute Engine machine type such as n1-standard-8");
    }
    String family = machineType.substring(0, machineType.indexOf('-'));

    String acceleratorType = request.acceleratorType();
    int acceleratorCount = request.acceleratorCount() == null ? 0 : request.acceleratorCount();
    if (acceleratorType == null && acceleratorCount != 0) {
      throw new InvalidExperimentException("acceleratorType", "is required with acceleratorCount");
    }
    if (acceleratorType != null) {
      if (!ACCELERATOR.matcher(acceleratorType).matches()) {
        throw new InvalidExperimentException(
            "acceleratorType", "must be a GPU type such as nvidia-tesla-t4 or nvidia-l4");
      }
      if (request.acceleratorCount() == null) {
        acceleratorCount = 1;
      }
      if (!caps.allowedAccelerators().contains(acceleratorType)) {
        throw new CapExceededException(
            "acceleratorType",
            "mlcp.experiments.caps.allowed-accelerators",
            caps.allowedAccelerators(),
            acceleratorType + " is not an allowed accelerator");
      }
      if (acceleratorCount < 1 || !List.of(1, 2, 4, 8, 16).contains(acceleratorCount)) {
        throw new InvalidExperimentException(
            "acceleratorCount", "must be 1, 2, 4, 8 or 16 (the counts GCE attaches)");
      }
      if (acceleratorCount > caps.maxAcceleratorCount()) {
        throw new CapExceededException(
            "acceleratorCount",
            "mlcp.experiments.caps.max-accelerator-count",
            caps.maxAcceleratorCount(),
            acceleratorCount + " accelerators are more than allowed");
      }
      String needed = familyFor(acceleratorType);
      if (needed != null && !needed.equals(family)) {
        throw new InvalidExperimentException(
            "machineType",
            acceleratorType + " GPUs attach to " + needed + " machine types, not " + machineType);
      }
    }

    int diskGb = request.diskGb() == null ? defaults.diskGb() : request.diskGb();
    if (diskGb < MIN_DISK_GB) {
      throw new InvalidExperimentException("diskGb", "must be at least " + MIN_DISK_GB + " GB");
    }
    if (diskGb > caps.maxDiskGb()) {
      throw new CapExceededException(
          "diskGb",
          "mlcp.experiments.caps.max-disk-gb",
          caps.maxDiskGb(),
          diskGb + " GB is too large");
    }

    String image = request.imageFamily();
    if (image == null) {
      image = acceleratorType == null ? defaults.imageFamily() : defaults.gpuImageFamily();
    } else if (!IMAGE.matcher(image).matches()) {
      throw new InvalidExperimentException(
          "imageFamily",
          "must be projects/PROJECT/global/images/family/FAMILY (or .../images/IMAGE)");
    }

    List<String> zones =
        request.zones() == null || request.zones().isEmpty() ? defaults.zones() : request.zones();
    if (zones.size() > MAX_ZONES) {
      throw new InvalidExperimentException("zones", "at most " + MAX_ZONES + " zones");
    }
    for (int i = 0; i < zones.size(); i++) {
      if (!GceNames.isValidName(zones.get(i))) {
        throw new InvalidExperimentException("zones[" + i + "]", "is not a zone name");
      }
    }
    if (new LinkedHashSet<>(zones).size() != zones.size()) {
      throw new InvalidExperimentException("zones", "must not repeat a zone");
    }

    boolean externalIp =
        request.externalIp() == null ? defaults.externalIp() : request.externalIp();
    if (externalIp && !caps.allowExternalIp()) {
      throw new CapExceededException(
          "externalIp",
          "mlcp.experiments.caps.allow-external-ip",
          false,
          "external IPs are not allowed; connect through IAP");
    }

    Duration ttl = request.ttl() == null ? caps.defaultTtl() : request.ttl();
    if (ttl.isNegative() || ttl.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new InvalidExperimentException("ttl", "must be at least PT10M");
    }
    if (ttl.compareTo(caps.maxTtl()) > 0) {
      throw new CapExceededException(
          "ttl",
          "mlcp.experiments.caps.max-ttl",
          caps.maxTtl(),
          "a TTL of " + ttl + " is too long");
    }
    Duration idle =
        request.idleTimeout() == null ? caps.defaultIdleTimeout() : request.idleTimeout();
    if (idle.compareTo(caps.minIdleTimeout()) < 0) {
      throw new CapExceededException(
          "idleTimeout",
          "mlcp.experiments.caps.min-idle-timeout",
          caps.minIdleTimeout(),
          "an idle timeout of " + idle + " is too short");
    }
    if (idle.compareTo(caps.maxIdleTimeout()) > 0) {
      throw new CapExceededException(
          "idleTimeout",
          "mlcp.experiments.caps.max-idle-timeout",
          caps.maxIdleTimeout(),
          "an idle timeout of " + idle + " is too long");
    }
    boolean spot = Boolean.TRUE.equals(request.spot());
    return new Resolved(
        name,
        new VmShape(
            machineType, acceleratorType, acceleratorCount, diskGb, image, spot, externalIp),
        List.copyOf(zones),
        ttl,
        idle);
  }

  /** Whether the machine type's family attaches its own GPUs (A2, A3, G2). */
  static boolean acceleratorOptimized(String machineType) {
    int dash = machineType.indexOf('-');
    return dash > 0 && ACCELERATOR_OPTIMIZED.contains(machineType.substring(0, dash));
  }

  /** The machine family a GPU type needs, null when mlcp does not know it. */
  private static String familyFor(String acceleratorType) {
    String t = acceleratorType.toLowerCase(Locale.ROOT);
    if (t.startsWith("nvidia-tesla-")) {
      return t.equals("nvidia-tesla-a100") ? "a2" : "n1";
    }
    if (t.equals("nvidia-l4")) {
      return "g2";
    }
    if (t.startsWith("nvidia-a100")) {
      return "a2";
    }
    if (t.startsWith("nvidia-h100") || t.startsWith("nvidia-h200")) {
      return "a3";
    }
    return null;
  }
}
