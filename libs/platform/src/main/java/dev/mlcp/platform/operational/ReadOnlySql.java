package dev.mlcp.platform.operational;

import java.util.Locale;
import java.util.Set;

/**
 * The cheap, early check that a statement can only read: one statement starting with {@code
 * SELECT}, {@code WITH}, {@code GRAPH} or {@code (} once comments and statement hints are skipped.
 * It gives a clear 4xx before anything reaches the database; what actually enforces read-only is
 * the read-only transaction every statement runs in (Spanner refuses DML there, and DDL never goes
 * through the query API).
 */
public final class ReadOnlySql {
  private static final Set<String> READS = Set.of("SELECT", "WITH", "GRAPH", "(");

  private ReadOnlySql() {}

  /**
   * Throws unless {@code sql} is one read-only statement.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void require(String sql) {
    String first = firstKeyword(sql);
    if (!READS.contains(first)) {
      throw new IllegalArgumentException(
          "only read-only queries are allowed (SELECT, WITH or GRAPH ... MATCH); got "
              + (first.isEmpty() ? "an empty statement" : first));
    }
    String rest = stripComments(sql).strip();
    int semicolon = rest.indexOf(';');
    if (semicolon >= 0 && !rest.substring(semicolon + 1).isBlank()) {
      throw new IllegalArgumentException("one statement only: remove what follows ';'");
    }
  }

  /** The statement's first keyword, upper-case, after comments and {@code @{...}} hints. */
  public static String firstKeyword(String sql) {
    String s = stripComments(sql == null ? "" : sql).strip();
    while (s.startsWith("@{")) {
      int end = s.indexOf('}');
      if (end < 0) {
        return "";
      }
      s = s.substring(end + 1).strip();
    }
    if (s.startsWith("(")) {
      return "(";
    }
    int i = 0;
    while (i < s.length() && Character.isLetter(s.charAt(i))) {
      i++;
    }
    return s.substring(0, i).toUpperCase(Locale.ROOT);
  }

  /**
   * The text without {@code --}, {@code #} and {@code /* *\/} comments; quoted strings are kept as
   * they are, so a ';' inside a literal is not a second statement.
   */
  static String stripComments(String sql) {
    StringBuilder out = new StringBuilder(sql.length());
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        int end = i + 1;
        while (end < sql.length() && sql.charAt(end) != c) {
          end += sql.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(end + 1, sql.length());
        // The literal's content cannot end a statement: keep its quotes only.
        out.append(c).append(c);
        i = end;
      } else if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-' || c == '#') {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? sql.length() : end;
      } else if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? sql.length() : end + 2;
        out.append(' ');
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
