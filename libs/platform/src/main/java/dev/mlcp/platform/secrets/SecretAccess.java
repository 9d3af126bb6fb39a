package dev.mlcp.platform.secrets;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may use a secret's value, the one rule for training runs (a spec naming a secret) and for
 * experiment-vm's secrets API: its owner, the principals listed as its readers, and admins. Owner
 * and readers are annotations on the secret (emails do not fit label values).
 */
public final class SecretAccess {
  /** Annotation holding the owner's email. */
  public static final String OWNER = "mlcp.dev/owner";

  /** Annotation holding the readers' emails, comma-separated. */
  public static final String READERS = "mlcp.dev/readers";

  private SecretAccess() {}

  /** Whether {@code email} (an admin when {@code admin}) may read {@code secret}'s value. */
  public static boolean mayRead(SecretInfo secret, String email, boolean admin) {
    if (admin) {
      return true;
    }
    if (email == null) {
      return false;
    }
    String who = email.trim().toLowerCase(Locale.ROOT);
    return who.equals(owner(secret)) || readers(secret).contains(who);
  }

  /** The owner's email, lower-case, or null when the secret has none (made outside mlcp). */
  public static String owner(SecretInfo secret) {
    String owner = secret.annotations().get(OWNER);
    return owner == null ? null : owner.trim().toLowerCase(Locale.ROOT);
  }

  /** The readers' emails, lower-case. */
  public static Set<String> readers(SecretInfo secret) {
    String readers = secret.annotations().getOrDefault(READERS, "");
    return Arrays.stream(readers.split(","))
        .map(r -> r.trim().toLowerCase(Locale.ROOT))
        .filter(r -> !r.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  /** Annotations naming {@code owner} and {@code readers}, to create or update a secret with. */
  public static Map<String, String> annotations(String owner, Set<String> readers) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(OWNER, owner.trim().toLowerCase(Locale.ROOT));
    if (!readers.isEmpty()) {
      out.put(
          READERS,
          readers.stream()
              .map(r -> r.trim().toLowerCase(Locale.ROOT))
              .sorted()
              .collect(Collectors.joining(",")));
    }
    return out;
  }
}
