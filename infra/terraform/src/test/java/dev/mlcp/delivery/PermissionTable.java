package dev.mlcp.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The action → permission table of infra/terraform/README.md: the policy tests' data. A row whose
 * identity and scope are single backticked names is a grant; any other row documents something
 * Terraform does not grant to an mlcp identity (passive resources, Google's service agents).
 */
final class PermissionTable {
  static final String HEADING = "## Action → permission table";
  private static final Pattern WHOLE_CODE = Pattern.compile("^`([^`]+)`$");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  /**
   * One row.
   *
   * @param process seed 004's process, or mlcp for what the control plane itself needs
   * @param action the action
   * @param identity the identity key, null for a documentation row
   * @param scope the scope ({@code project}, {@code bucket:staging}, …), null for documentation
   * @param permissions the permissions
   */
  record Row(
      String process, String action, String identity, String scope, Set<String> permissions) {
    boolean granted() {
      return identity != null && scope != null;
    }
  }

  private final List<Row> rows;

  private PermissionTable(List<Row> rows) {
    this.rows = List.copyOf(rows);
  }

  static PermissionTable read(Path readme) {
    try {
      return parse(Files.readString(readme, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PermissionTable parse(String markdown) {
    List<String> lines = markdown.lines().toList();
    int start = lines.indexOf(HEADING);
    if (start < 0) {
      throw new IllegalStateException("no '" + HEADING + "' section");
    }
    List<Row> rows = new ArrayList<>();
    boolean header = true;
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      if (!line.startsWith("|")) {
        continue;
      }
      if (header) { // the header row and its separator
        header = !line.startsWith("|---");
        continue;
      }
      String[] cells = line.substring(1, line.lastIndexOf('|')).split("\\|", -1);
      if (cells.length != 5) {
        throw new IllegalStateException("row without 5 cells: " + line);
      }
      Set<String> permissions = new LinkedHashSet<>();
      Matcher m = CODE.matcher(cells[4]);
      while (m.find()) {
        permissions.add(m.group(1));
      }
      rows.add(
          new Row(cells[0].trim(), cells[1].trim(), whole(cells[2]), whole(cells[3]), permissions));
    }
    if (rows.isEmpty()) {
      throw new IllegalStateException("the table under '" + HEADING + "' has no rows");
    }
    return new PermissionTable(rows);
  }

  private static String whole(String cell) {
    Matcher m = WHOLE_CODE.matcher(cell.trim());
    return m.matches() ? m.group(1) : null;
  }

  List<Row> rows() {
    return rows;
  }

  List<Row> grantedRows() {
    return rows.stream().filter(Row::granted).toList();
  }

  /** The permissions the table gives {@code identity} at {@code scope}. */
  Set<String> permissions(String identity, String scope) {
    Set<String> out = new TreeSet<>();
    for (Row row : grantedRows()) {
      if (row.identity().equals(identity) && row.scope().equals(scope)) {
        out.addAll(row.permissions());
      }
    }
    return out;
  }
}
