package dev.mlcp.platform.instances;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which instances to list, by labels (the conditions are ANDed): labels that must be present, and
 * labels that must have a given value. Adapters translate it into their own query (or {@link
 * #matches}).
 *
 * @param present label keys that must be present, any value
 * @param equal labels that must have exactly these values
 */
public record InstanceFilter(Set<String> present, Map<String, String> equal) {

  /** Immutable copies of the conditions. */
  public InstanceFilter {
    present = Set.copyOf(new TreeSet<>(present));
    equal = Map.copyOf(new TreeMap<>(equal));
  }

  /** Every instance. */
  public static InstanceFilter all() {
    return new InstanceFilter(Set.of(), Map.of());
  }

  /** Instances that have label {@code key}. */
  public static InstanceFilter hasLabel(String key) {
    return new InstanceFilter(Set.of(key), Map.of());
  }

  /** Instances whose label {@code key} is {@code value}. */
  public static InstanceFilter labelEquals(String key, String value) {
    return new InstanceFilter(Set.of(), Map.of(key, value));
  }

  /** This filter plus: label {@code key} equals {@code value}. */
  public InstanceFilter andLabelEquals(String key, String value) {
    Map<String, String> more = new TreeMap<>(equal);
    more.put(key, value);
    return new InstanceFilter(present, more);
  }

  /** This filter plus: label {@code key} is present. */
  public InstanceFilter andHasLabel(String key) {
    Set<String> more = new TreeSet<>(present);
    more.add(key);
    return new InstanceFilter(more, equal);
  }

  /** Whether labels satisfy the filter. */
  public boolean matches(Map<String, String> labels) {
    return labels.keySet().containsAll(present)
        && equal.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }
}
