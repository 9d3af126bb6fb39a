package dev.mlcp.training.runs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which Pub/Sub publishers may request runs for which owners. The body of a {@code
 * training.requested} names an owner, which anyone with publish rights could forge, so the owner is
 * believed only for the publishers configured for it. Entries are {@code source=owner|owner} (e.g.
 * {@code //cloudbuild/my-project/train=ml-ci@my-project.iam.gserviceaccount.com}); a source ending
 * in {@code *} is a prefix; {@code *} as owner means any owner.
 */
public final class RequestSources {
  private final Map<String, Set<String>> exact = new LinkedHashMap<>();
  private final List<Map.Entry<String, Set<String>>> prefixes = new ArrayList<>();

  /**
   * @param entries {@code source=owner|owner…} lines
   * @throws IllegalArgumentException naming a malformed entry
   */
  public RequestSources(List<String> entries) {
    for (String entry : entries) {
      if (entry == null || entry.isBlank()) {
        continue;
      }
      int eq = entry.lastIndexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new IllegalArgumentException(
            "mlcp.training.request-sources entry '" + entry + "' must be source=owner|owner");
      }
      String source = entry.substring(0, eq).trim();
      Set<String> owners =
          Set.of(entry.substring(eq + 1).trim().toLowerCase(Locale.ROOT).split("\\|"));
      if (source.endsWith("*")) {
        prefixes.add(Map.entry(source.substring(0, source.length() - 1), owners));
      } else {
        exact.put(source, owners);
      }
    }
  }

  /** Whether a request published as {@code source} may create a run owned by {@code owner}. */
  public boolean mayActFor(String source, String owner) {
    if (source == null || owner == null) {
      return false;
    }
    String o = owner.trim().toLowerCase(Locale.ROOT);
    Set<String> owners = exact.get(source);
    if (owners != null && (owners.contains("*") || owners.contains(o))) {
      return true;
    }
    for (Map.Entry<String, Set<String>> prefix : prefixes) {
      if (source.startsWith(prefix.getKey())
          && (prefix.getValue().contains("*") || prefix.getValue().contains(o))) {
        return true;
      }
    }
    return false;
  }
}
