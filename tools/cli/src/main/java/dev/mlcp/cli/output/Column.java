package dev.mlcp.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;

/**
 * One column of a table.
 *
 * @param header its header
 * @param cell the cell of a row (an item of the answer)
 */
public record Column(String header, Function<JsonNode, String> cell) {

  /** The column showing the field at {@code path} ({@code a.b}) as text. */
  public static Column of(String header, String path) {
    return new Column(header, n -> Cells.text(Cells.at(n, path)));
  }

  /** A computed column. */
  public static Column of(String header, Function<JsonNode, String> cell) {
    return new Column(header, cell);
  }
}
