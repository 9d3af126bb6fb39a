package dev.mlcp.training.inputs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who may read which inputs, checked at submit on the caller's behalf: the training VM's service
 * account can read more than each user should, so a run reads only what its owner was granted.
 * Entries are {@code SOURCE-PREFIX=principal|principal}, a principal being an email, {@code
 * *@domain} or {@code *}; the longest prefix matching a source decides. No entries at all: every
 * input is allowed (what the VM's service account can read is the limit). Admins may read
 * everything.
 *
 * <p>Example: {@code spanner://prod/features=*@example.com}, {@code
 * bq://proj.finance=alice@example.com|bob@example.com}, {@code gs://mlcp-shared/=*}.
 */
public final class InputGrants {
  private record Grant(String prefix, List<String> principals) {}

  private final List<Grant> grants = new ArrayList<>();

  /**
   * @param entries {@code prefix=principal|principal} entries
   * @throws IllegalArgumentException naming a malformed entry
   */
  public InputGrants(List<String> entries) {
    for (String entry : entries) {
      int eq = entry.lastIndexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new IllegalArgumentException(
            "mlcp.training.inputs.grants: '" + entry + "' is not SOURCE-PREFIX=principal|…");
      }
      List<String> principals = new ArrayList<>();
      for (String p : entry.substring(eq + 1).split("\\|")) {
        if (!p.isBlank()) {
          principals.add(p.strip().toLowerCase(Locale.ROOT));
        }
      }
      grants.add(new Grant(entry.substring(0, eq).strip(), principals));
    }
  }

  /** Whether any grant is configured (else every input is allowed). */
  public boolean enforced() {
    return !grants.isEmpty();
  }

  /** Whether {@code owner} (lower-case email) may read {@code source}. */
  public boolean mayRead(String source, String owner, boolean admin) {
    if (admin || grants.isEmpty()) {
      return true;
    }
    Grant best = null;
    for (Grant g : grants) {
      if (source.startsWith(g.prefix())
          && (best == null || g.prefix().length() > best.prefix().length())) {
        best = g;
      }
    }
    if (best == null) {
      return false;
    }
    String domain = owner.substring(owner.indexOf('@') + 1);
    for (String p : best.principals()) {
      if (p.equals("*") || p.equals(owner) || p.equals("*@" + domain)) {
        return true;
      }
    }
    return false;
  }
}
