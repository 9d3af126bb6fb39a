package dev.mlcp.experiments.data.api;

import dev.mlcp.platform.warehouse.TableSchema;
import java.util.List;

/**
 * A column.
 *
 * @param name its name
 * @param type its BigQuery type
 * @param required whether NULL is refused
 */
public record FieldView(String name, String type, boolean required) {
  static List<FieldView> of(TableSchema schema) {
    return schema.fields().stream()
        .map(f -> new FieldView(f.name(), f.type().name(), f.required()))
        .toList();
  }
}
