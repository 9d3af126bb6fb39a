package dev.mlcp.platform.secrets;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A secret's bytes. It never prints its content ({@link #toString()} is redacted), hands out copies
 * only, and wipes its buffer on {@link #close()}.
 */
public final class SecretValue implements AutoCloseable {

  private final byte[] bytes;
  private boolean cleared;

  private SecretValue(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Wraps a copy of {@code bytes}. */
  public static SecretValue ofBytes(byte[] bytes) {
    return new SecretValue(bytes.clone());
  }

  /** Encodes {@code chars} as UTF-8 without making an intermediate String. */
  public static SecretValue ofChars(char[] chars) {
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
    byte[] out = new byte[encoded.remaining()];
    encoded.get(out);
    Arrays.fill(encoded.array(), (byte) 0);
    return new SecretValue(out);
  }

  /** For values that already exist as a String (tests, configuration). */
  public static SecretValue ofUtf8(String value) {
    return new SecretValue(value.getBytes(StandardCharsets.UTF_8));
  }

  /** A copy of the bytes. */
  public byte[] bytes() {
    requireNotCleared();
    return bytes.clone();
  }

  /** The value decoded as UTF-8, as a char array the caller should wipe after use. */
  public char[] chars() {
    requireNotCleared();
    CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes));
    char[] out = new char[decoded.remaining()];
    decoded.get(out);
    Arrays.fill(decoded.array(), '\0');
    return out;
  }

  /** Size of the value in bytes. */
  public int length() {
    return bytes.length;
  }

  /** Wipes the buffer; later reads fail. */
  @Override
  public void close() {
    Arrays.fill(bytes, (byte) 0);
    cleared = true;
  }

  private void requireNotCleared() {
    if (cleared) {
      throw new IllegalStateException("secret value was cleared");
    }
  }

  /** Compares content in constant time. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SecretValue other
        && java.security.MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return bytes.length;
  }

  @Override
  public String toString() {
    return "SecretValue[redacted, " + bytes.length + " bytes]";
  }
}
