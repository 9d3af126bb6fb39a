package dev.mlcp.registry.models;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * SHA-256, MD5 and CRC32C of a stream, computed while it is read by someone else (a copy to the
 * store), so no file is read twice or held in memory. MD5 and CRC32C are in GCS's form (base64 of
 * the big-endian bytes), so they compare with what the store reports. A copy leaves MD5 out ({@link
 * #withoutMd5}): the store computes it for the copy anyway (GCS does, so does the local store), and
 * it is the slowest of the three.
 */
public final class Digests extends FilterInputStream {
  private final MessageDigest sha256 = digest("SHA-256");
  private final MessageDigest md5;
  private final CRC32C crc = new CRC32C();
  private long size;

  /** Digests {@code in} as it is read: SHA-256, MD5 and CRC32C. */
  public Digests(InputStream in) {
    this(in, true);
  }

  private Digests(InputStream in, boolean withMd5) {
    super(in);
    this.md5 = withMd5 ? digest("MD5") : null;
  }

  /** SHA-256 and CRC32C of {@code in} as it is read; the result's MD5 is null. */
  public static Digests withoutMd5(InputStream in) {
    return new Digests(in, false);
  }

  /**
   * What was read.
   *
   * @param size bytes
   * @param sha256 hex
   * @param md5 base64; null when not computed
   * @param crc32c base64 of the big-endian 4 bytes
   */
  public record Result(long size, String sha256, String md5, String crc32c) {}

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      sha256.update((byte) b);
      if (md5 != null) {
        md5.update((byte) b);
      }
      crc.update(b);
      size++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      sha256.update(b, off, n);
      if (md5 != null) {
        md5.update(b, off, n);
      }
      crc.update(b, off, n);
      size += n;
    }
    return n;
  }

  @Override
  public long skip(long n) {
    // Skipped bytes would be missing from the digests.
    throw new UnsupportedOperationException("a digested stream is read, not skipped");
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** The digests of everything read so far (call once, at the end). */
  public Result result() {
    return new Result(
        size,
        HexFormat.of().formatHex(sha256.digest()),
        md5 == null ? null : Base64.getEncoder().encodeToString(md5.digest()),
        Base64.getEncoder()
            .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array()));
  }

  /** Reads {@code in} to its end and returns its digests. */
  public static Result of(InputStream in) throws IOException {
    Digests d = new Digests(in);
    byte[] buffer = new byte[256 * 1024];
    while (d.read(buffer, 0, buffer.length) >= 0) {
      // digesting
    }
    return d.result();
  }

  /** Hex SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest("SHA-256").digest(bytes));
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by the Java platform", e);
    }
  }
}
