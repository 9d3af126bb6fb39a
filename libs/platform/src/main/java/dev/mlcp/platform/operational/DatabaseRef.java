package dev.mlcp.platform.operational;

import java.util.regex.Pattern;

/**
 * An operational database: a Spanner instance and a database in it (Spanner's id rules, so both can
 * go into resource names and URIs unquoted).
 *
 * @param instance instance id, e.g. {@code mlcp-local}
 * @param database database id, e.g. {@code features}
 */
public record DatabaseRef(String instance, String database) {
  private static final Pattern INSTANCE = Pattern.compile("[a-z][-a-z0-9]{0,62}[a-z0-9]");
  private static final Pattern DATABASE = Pattern.compile("[a-z][a-z0-9_-]{0,28}[a-z0-9]");

  /** Validates both ids. */
  public DatabaseRef {
    if (!isValidInstance(instance)) {
      throw new IllegalArgumentException(
          "invalid instance id '"
              + instance
              + "': 2-64 lowercase letters, digits and '-', starting with a letter");
    }
    if (!isValidDatabase(database)) {
      throw new IllegalArgumentException(
          "invalid database id '"
              + database
              + "': 2-30 lowercase letters, digits, '_' and '-', starting with a letter");
    }
  }

  /** Whether {@code id} is a valid instance id. */
  public static boolean isValidInstance(String id) {
    return id != null && INSTANCE.matcher(id).matches();
  }

  /** Whether {@code id} is a valid database id. */
  public static boolean isValidDatabase(String id) {
    return id != null && DATABASE.matcher(id).matches();
  }

  @Override
  public String toString() {
    return instance + "/" + database;
  }
}
