package dev.mlcp.experiments.notebooks;

import java.time.Duration;
import java.util.List;

/**
 * What a user asks for; null fields take the defaults.
 *
 * @param name the experiment's name (its VM is {@code nb-<name>})
 * @param machineType e.g. {@code n1-standard-8}
 * @param acceleratorType e.g. {@code nvidia-tesla-t4}
 * @param acceleratorCount how many GPUs (with {@code acceleratorType})
 * @param diskGb boot disk size
 * @param imageFamily boot image (family), {@code projects/P/global/images/family/F}
 * @param zones zones to try in order
 * @param spot Spot provisioning
 * @param externalIp whether the VM gets an external IP
 * @param ttl how long it may live
 * @param idleTimeout how long it may stay idle before it is stopped
 */
public record ExperimentRequest(
    String name,
    String machineType,
    String acceleratorType,
    Integer acceleratorCount,
    Integer diskGb,
    String imageFamily,
    List<String> zones,
    Boolean spot,
    Boolean externalIp,
    Duration ttl,
    Duration idleTimeout) {}
