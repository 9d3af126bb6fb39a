package dev.mlcp.experiments.notebooks;

/**
 * The hardware and image of a notebook VM.
 *
 * @param machineType e.g. {@code n1-standard-8}
 * @param acceleratorType e.g. {@code nvidia-tesla-t4}, null for none
 * @param acceleratorCount GPUs, 0 for none
 * @param diskGb boot disk size
 * @param imageFamily boot image (family) path
 * @param spot Spot provisioning (cheaper; GCE may reclaim it, which deletes it)
 * @param externalIp whether the VM has an external IP
 */
public record VmShape(
    String machineType,
    String acceleratorType,
    int acceleratorCount,
    int diskGb,
    String imageFamily,
    boolean spot,
    boolean externalIp) {}
