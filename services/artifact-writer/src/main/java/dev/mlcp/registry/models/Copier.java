package dev.mlcp.registry.models;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Copies one staged file into a version, never overwriting ({@code ifGenerationMatch=0}), and
 * proves the copy is the file: in {@link RegistrySettings.CopyMode#STREAM} mode the bytes stream
 * through {@link Digests} (SHA-256, MD5, CRC32C, size; nothing held in memory) and are checked
 * against the source's and the copy's stored checksums; in {@link
 * RegistrySettings.CopyMode#SERVER_SIDE} mode the store copies and the copy's CRC32C/MD5 are
 * checked against the source's. A target that already exists (a resumed registration) is verified
 * instead of written.
 */
public final class Copier {
  private final ObjectStore store;
  private final RegistrySettings.CopyMode mode;

  public Copier(ObjectStore store, RegistrySettings.CopyMode mode) {
    this.store = store;
    this.mode = mode;
  }

  /** The copy mode. */
  public RegistrySettings.CopyMode mode() {
    return mode;
  }

  /**
   * Copies {@code source} (as listed) to {@code target}.
   *
   * @param path the file's path relative to the version, for the manifest and messages
   * @throws ChecksumMismatchException when the copy is not the staged file
   */
  public Manifest.File copy(ObjectMetadata source, ObjectUri target, String path)
      throws ChecksumMismatchException {
    return mode == RegistrySettings.CopyMode.STREAM
        ? stream(source, target, path)
        : serverSide(source, target, path);
  }

  private Manifest.File stream(ObjectMetadata listed, ObjectUri target, String path)
      throws ChecksumMismatchException {
    Digests.Result digest;
    ObjectMetadata source;
    ObjectMetadata written;
    try (ObjectRead in = store.read(listed.uri())) {
      source = in.metadata();
      Digests digests = new Digests(in.stream());
      try {
        written = store.write(target, digests, source.contentType(), WriteCondition.doesNotExist());
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.CONFLICT) {
          throw e;
        }
        return existing(source, target, path);
      }
      digest = digests.result();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + listed.uri(), e);
    }
    same(path, "size of the staged file", source.size(), digest.size());
    sameChecksum(path, "MD5 of the staged file", source.md5(), digest.md5());
    sameChecksum(path, "CRC32C of the staged file", source.crc32c(), digest.crc32c());
    same(path, "size of the copy", written.size(), digest.size());
    sameChecksum(path, "MD5 of the copy", written.md5(), digest.md5());
    sameChecksum(path, "CRC32C of the copy", written.crc32c(), digest.crc32c());
    return new Manifest.File(path, digest.size(), digest.sha256(), digest.crc32c(), digest.md5());
  }

  private Manifest.File serverSide(ObjectMetadata source, ObjectUri target, String path)
      throws ChecksumMismatchException {
    if (source.crc32c() == null && source.md5() == null) {
      throw new ChecksumMismatchException(path, "the store reports no checksum for it");
    }
    ObjectMetadata written;
    try {
      written = store.copy(source.uri(), target, WriteCondition.doesNotExist());
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT) {
        throw e;
      }
      written =
          store
              .stat(target)
              .orElseThrow(() -> new IllegalStateException(target + " vanished after a conflict"));
    }
    same(path, "size", source.size(), written.size());
    if (source.crc32c() != null || written.crc32c() != null) {
      same(path, "CRC32C", source.crc32c(), written.crc32c());
    }
    if (source.md5() != null && written.md5() != null) {
      same(path, "MD5", source.md5(), written.md5());
    }
    return new Manifest.File(path, written.size(), null, written.crc32c(), written.md5());
  }

  /** A copy made by an earlier attempt: read it back and compare with the staged file. */
  private Manifest.File existing(ObjectMetadata source, ObjectUri target, String path)
      throws ChecksumMismatchException {
    Digests.Result digest;
    try (ObjectRead copy = store.read(target)) {
      digest = Digests.of(copy.stream());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + target, e);
    }
    same(path, "size of the existing copy", source.size(), digest.size());
    sameChecksum(path, "MD5 of the existing copy", source.md5(), digest.md5());
    sameChecksum(path, "CRC32C of the existing copy", source.crc32c(), digest.crc32c());
    return new Manifest.File(path, digest.size(), digest.sha256(), digest.crc32c(), digest.md5());
  }

  private static void same(String path, String what, Object expected, Object actual)
      throws ChecksumMismatchException {
    if (!Objects.equals(expected, actual)) {
      throw new ChecksumMismatchException(
          path, what + " differs: staged " + expected + ", copied " + actual);
    }
  }

  /** Compares when the store reported the checksum (composite objects have no MD5). */
  private static void sameChecksum(String path, String what, String stored, String computed)
      throws ChecksumMismatchException {
    if (stored != null && !stored.equals(computed)) {
      throw new ChecksumMismatchException(
          path, what + " differs: stored " + stored + ", computed " + computed);
    }
  }
}
