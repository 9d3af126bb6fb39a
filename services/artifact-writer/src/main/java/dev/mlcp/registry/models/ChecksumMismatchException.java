package dev.mlcp.registry.models;

/** A copied file is not the staged file: the version must not be registered. */
public class ChecksumMismatchException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String path;

  /**
   * @param path the file, relative to the version
   * @param detail what differs
   */
  public ChecksumMismatchException(String path, String detail) {
    super(path + ": " + detail);
    this.path = path;
  }

  /** The file, relative to the version. */
  public String path() {
    return path;
  }
}
