package dev.mlcp.platform.instances;

/**
 * The VM's boot disk.
 *
 * @param image source image or image family, e.g. {@code
 *     projects/cos-cloud/global/images/family/cos-stable}
 * @param sizeGb size in GB
 * @param diskType disk type, e.g. {@code pd-balanced}
 */
public record BootDisk(String image, long sizeGb, String diskType) {
  /** Applies defaults. */
  public BootDisk {
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("boot disk needs an image or image family");
    }
    sizeGb = sizeGb <= 0 ? 50 : sizeGb;
    diskType = diskType == null || diskType.isBlank() ? "pd-balanced" : diskType;
  }
}
