package dev.mlcp.platform.instances.gcp;

import dev.mlcp.platform.instances.InstanceFilter;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** {@link InstanceFilter}s in Compute Engine's list-filter syntax. */
final class GceFilters {

  private GceFilters() {}

  /**
   * The filter as GCE's {@code (labels.key:*) AND (labels.key = "value")}, conditions in key order
   * so the rendered filter is stable; empty for no condition. Quotes are dropped from values: GCE
   * label values cannot hold them, and they would end the quoted string.
   */
  static String of(InstanceFilter filter) {
    StringBuilder out = new StringBuilder();
    for (String key : new TreeSet<>(filter.present())) {
      append(out, "labels." + key + ":*");
    }
    for (Map.Entry<String, String> e : new TreeMap<>(filter.equal()).entrySet()) {
      append(out, "labels." + e.getKey() + " = \"" + e.getValue().replace("\"", "") + "\"");
    }
    return out.toString();
  }

  private static void append(StringBuilder out, String condition) {
    if (out.length() > 0) {
      out.append(" AND ");
    }
    out.append('(').append(condition).append(')');
  }
}
