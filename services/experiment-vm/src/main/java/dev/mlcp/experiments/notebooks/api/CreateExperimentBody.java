package dev.mlcp.experiments.notebooks.api;

import dev.mlcp.web.validation.GceName;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.List;

/**
 * {@code POST /v1/experiments}: a notebook VM. Everything but the name has a default; the admin's
 * caps bound what may be asked for.
 *
 * @param name 1-60 lowercase letters, digits and hyphens (the VM is {@code nb-<name>})
 * @param machineType e.g. {@code n1-standard-8} (default from config)
 * @param acceleratorType e.g. {@code nvidia-tesla-t4} (allowed types: a cap)
 * @param acceleratorCount 1, 2, 4, 8 or 16 (at most the cap)
 * @param diskGb boot disk size (at most the cap)
 * @param imageFamily {@code projects/P/global/images/family/F} (default: a Deep Learning VM family
 *     with JupyterLab)
 * @param zones zones in order of preference; a stockout moves on to the next
 * @param spot Spot VM (cheaper; reclaimed by GCE, which deletes it)
 * @param externalIp give the VM an external IP (default: none; connect through IAP)
 * @param ttl how long it may live, ISO-8601 (default PT8H, at most the max TTL cap)
 * @param idleTimeout how long it may be idle before it is stopped (default PT60M, within the caps)
 */
public record CreateExperimentBody(
    @NotNull
        @Pattern(
            regexp = "[a-z]([-a-z0-9]{0,58}[a-z0-9])?",
            message =
                "must be 1-60 lowercase letters, digits and hyphens, starting with a letter and"
                    + " not ending with a hyphen")
        String name,
    @Size(max = 63) String machineType,
    @Size(max = 63) String acceleratorType,
    @Min(0) @Max(16) Integer acceleratorCount,
    @Min(10) @Max(65536) Integer diskGb,
    @Size(max = 256) String imageFamily,
    @Size(max = 10) List<@NotNull @GceName String> zones,
    Boolean spot,
    Boolean externalIp,
    Duration ttl,
    Duration idleTimeout) {}
