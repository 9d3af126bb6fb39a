package dev.mlcp.platform.instances;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Compute Engine's naming rules, in one place: resource names, label keys and values, and a
 * converter from free text (an email) to a valid label value. Used by the Instances port, the
 * services' validation and libs/web's {@code @GceName}/{@code @GceLabels}.
 */
public final class GceNames {
  /** The pattern every GCE resource name matches (instances, templates, MIGs, ...). */
  public static final String NAME_REGEX = "[a-z]([-a-z0-9]{0,61}[a-z0-9])?";

  private static final Pattern NAME = Pattern.compile(NAME_REGEX);

  /** Most labels a GCE resource may carry. */
  public static final int MAX_LABELS = 64;

  /** Longest label key or value. */
  public static final int MAX_LABEL_LENGTH = 63;

  private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
  private static final Pattern VALUE = Pattern.compile("[a-z0-9_-]{0,63}");
  private static final int HASH_LENGTH = 8;

  private GceNames() {}

  /** Whether {@code name} is a valid GCE resource name. */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** True when {@code key} is a valid label key. */
  public static boolean isValidLabelKey(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  /** True when {@code value} is a valid label value (the empty string is). */
  public static boolean isValidLabelValue(String value) {
    return value != null && VALUE.matcher(value).matches();
  }

  /**
   * A valid label value derived from any text, e.g. an email for the {@code mlcp-owner} label.
   * Lower-cases, turns {@code @} into {@code _} and every other invalid character into {@code -}.
   * When that loses information (a character was replaced) or the result is longer than 63, the
   * readable part is cut to fit and {@code -} plus 8 hex digits of the SHA-256 of the lower-cased
   * input is appended, so distinct inputs stay distinct. Deterministic, and idempotent: a valid
   * value is returned unchanged.
   */
  public static String safeLabelValue(String text) {
    if (text == null) {
      throw new IllegalArgumentException("label text must not be null");
    }
    String lower = text.toLowerCase(Locale.ROOT);
    StringBuilder readable = new StringBuilder(lower.length());
    boolean replaced = false;
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        readable.append(c);
      } else {
        readable.append(c == '@' ? '_' : '-');
        replaced = true;
      }
    }
    if (!replaced && readable.length() <= MAX_LABEL_LENGTH) {
      return readable.toString();
    }
    String suffix = "-" + shortHash(lower);
    int keep = Math.min(readable.length(), MAX_LABEL_LENGTH - suffix.length());
    return readable.substring(0, keep) + suffix;
  }

  private static String shortHash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
