package dev.mlcp.platform.internal;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.UUID;

/** Whole-file replacement by write-to-temp-then-rename, so readers never see half a file. */
public final class AtomicFiles {

  private AtomicFiles() {}

  /** Replaces {@code target} with {@code content} atomically. */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, null);
  }

  /**
   * Replaces {@code target} with {@code content} atomically, creating it with the given POSIX
   * permissions (when not null) before any byte is written.
   */
  public static void write(Path target, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createFile(tmp);
      if (permissions != null) {
        Files.setPosixFilePermissions(tmp, permissions);
      }
      Files.write(tmp, content);
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Renames {@code source} over {@code target} atomically where the file system allows. */
  public static void move(Path source, Path target) throws IOException {
    try {
      Files.move(
          source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
