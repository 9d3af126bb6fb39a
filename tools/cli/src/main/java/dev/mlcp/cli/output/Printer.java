package dev.mlcp.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes answers: as a table (lists) or field/value lines (one object) by default, or the API's
 * JSON as it is with {@code --format=json|yaml}.
 */
public final class Printer {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .build());

  private final PrintStream out;
  private final PrintStream err;
  private final Format format;

  /** Prints to {@code out} in {@code format}; hints go to {@code err}. */
  public Printer(PrintStream out, PrintStream err, Format format) {
    this.out = out;
    this.err = err;
    this.format = format;
  }

  /** The format. */
  public Format format() {
    return format;
  }

  /**
   * A list answer: the items under {@code itemsField} (or the answer itself when it is an array) as
   * a table; the whole answer in JSON/YAML. A next page token is shown on stderr.
   */
  public void list(JsonNode answer, String itemsField, List<Column> columns) {
    if (structured(answer)) {
      return;
    }
    JsonNode items = itemsField == null ? answer : answer.path(itemsField);
    List<List<String>> rows = new ArrayList<>();
    if (items.isArray()) {
      for (JsonNode item : items) {
        List<String> row = new ArrayList<>();
        for (Column c : columns) {
          row.add(c.cell().apply(item));
        }
        rows.add(row);
      }
    }
    table(columns.stream().map(Column::header).toList(), rows);
    if (rows.isEmpty()) {
      err.println("(none)");
    }
    JsonNode next = answer.path("nextPageToken");
    if (next.isTextual() && !next.asText().isEmpty()) {
      err.println("more: --page-token " + next.asText());
    }
  }

  /** One item as a one-row table, or the item itself in JSON/YAML. */
  public void row(JsonNode item, List<Column> columns) {
    if (structured(item)) {
      return;
    }
    List<String> row = new ArrayList<>();
    for (Column c : columns) {
      row.add(c.cell().apply(item));
    }
    table(columns.stream().map(Column::header).toList(), List.of(row));
  }

  /** One object: {@code field value} lines of its top-level fields, or the whole answer. */
  public void object(JsonNode answer) {
    if (structured(answer)) {
      return;
    }
    if (!answer.isObject()) {
      out.println(Cells.text(answer));
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = answer.properties().iterator();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String v = Cells.text(e.getValue());
      if (v.length() > 160) {
        v = v.substring(0, 157) + "...";
      }
      rows.add(List.of(e.getKey(), v));
    }
    for (List<String> row : rows) {
      out.println(pad(row.get(0), width(rows, 0)) + "  " + row.get(1));
    }
  }

  /** Plain text for the table format; the answer in JSON/YAML. */
  public void text(String text, JsonNode answer) {
    if (structured(answer)) {
      return;
    }
    out.println(text);
  }

  /** Writes {@code answer} as JSON or YAML and returns true, or returns false for tables. */
  public boolean structured(JsonNode answer) {
    try {
      if (format == Format.json) {
        out.println(JSON.writeValueAsString(answer));
        return true;
      }
      if (format == Format.yaml) {
        out.print(YAML.writeValueAsString(answer));
        return true;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return false;
  }

  /** A table: headers, then rows, columns padded to their widest cell. */
  public void table(List<String> headers, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    all.addAll(rows);
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = width(all, i);
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == row.size() - 1 ? row.get(i) : pad(row.get(i), widths[i]) + "  ");
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static int width(List<List<String>> rows, int column) {
    int w = 0;
    for (List<String> r : rows) {
      w = Math.max(w, r.get(column).length());
    }
    return w;
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }
}
