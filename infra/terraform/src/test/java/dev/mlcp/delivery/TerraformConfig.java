package dev.mlcp.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Terraform root module as hcl2json sees it: blocks of every file merged. Attribute values are
 * JSON; expressions stay strings ({@code "${local.topics}"}); nested blocks are arrays of objects.
 */
final class TerraformConfig {
  private final Map<String, Map<String, JsonNode>> resources = new TreeMap<>();
  private final Map<String, JsonNode> locals = new LinkedHashMap<>();
  private final Map<String, JsonNode> variables = new LinkedHashMap<>();
  private final Map<String, JsonNode> outputs = new LinkedHashMap<>();
  private final Map<String, String> fileOf = new LinkedHashMap<>();

  TerraformConfig(Map<String, JsonNode> files) {
    files.forEach(this::add);
  }

  private void add(String file, JsonNode root) {
    JsonNode resource = root.path("resource");
    for (Iterator<Map.Entry<String, JsonNode>> types = resource.fields(); types.hasNext(); ) {
      Map.Entry<String, JsonNode> type = types.next();
      for (Iterator<Map.Entry<String, JsonNode>> names = type.getValue().fields();
          names.hasNext(); ) {
        Map.Entry<String, JsonNode> name = names.next();
        String address = type.getKey() + "." + name.getKey();
        if (fileOf.putIfAbsent(address, file) != null) {
          throw new IllegalStateException(address + " is defined twice");
        }
        resources
            .computeIfAbsent(type.getKey(), t -> new TreeMap<>())
            .put(name.getKey(), first(name.getValue()));
      }
    }
    // HCL: "locals": [{...}, ...]; Terraform JSON (*.tf.json): "locals": {...}.
    JsonNode localBlocks = root.path("locals");
    List<JsonNode> blocks = new ArrayList<>();
    if (localBlocks.isArray()) {
      localBlocks.forEach(blocks::add);
    } else if (localBlocks.isObject()) {
      blocks.add(localBlocks);
    }
    for (JsonNode block : blocks) {
      block
          .fields()
          .forEachRemaining(
              f -> {
                if (locals.put(f.getKey(), f.getValue()) != null) {
                  throw new IllegalStateException("local." + f.getKey() + " is defined twice");
                }
              });
    }
    root.path("variable")
        .fields()
        .forEachRemaining(f -> variables.put(f.getKey(), first(f.getValue())));
    root.path("output")
        .fields()
        .forEachRemaining(f -> outputs.put(f.getKey(), first(f.getValue())));
  }

  private static JsonNode first(JsonNode node) {
    return node.isArray() ? node.get(0) : node;
  }

  /** Resources of {@code type} by name (empty when none). */
  Map<String, JsonNode> resources(String type) {
    return resources.getOrDefault(type, Map.of());
  }

  /** Every resource by type, then name. */
  Map<String, Map<String, JsonNode>> resources() {
    return resources;
  }

  /** One resource; fails naming it when it does not exist. */
  JsonNode resource(String type, String name) {
    JsonNode body = resources(type).get(name);
    if (body == null) {
      throw new AssertionError("resource " + type + "." + name + " does not exist");
    }
    return body;
  }

  /** {@code local.<name>}; fails naming it when it does not exist. */
  JsonNode local(String name) {
    JsonNode value = locals.get(name);
    if (value == null) {
      throw new AssertionError("local." + name + " does not exist");
    }
    return value;
  }

  Map<String, JsonNode> locals() {
    return locals;
  }

  Map<String, JsonNode> variables() {
    return variables;
  }

  Map<String, JsonNode> outputs() {
    return outputs;
  }

  /** The text of {@code field} of a block, or "" (expressions are strings). */
  static String text(JsonNode block, String field) {
    JsonNode value = block.path(field);
    return value.isValueNode() ? value.asText() : "";
  }

  /** The single nested block {@code name} of {@code block} (missing node when absent). */
  static JsonNode block(JsonNode block, String name) {
    JsonNode value = block.path(name);
    return value.isArray() && value.size() > 0 ? value.get(0) : value;
  }

  /** The content of {@code dynamic "<name>"} in {@code block} (missing node when absent). */
  static JsonNode dynamicContent(JsonNode block, String name) {
    return block(block(block.path("dynamic"), name), "content");
  }

  /** The {@code for_each} of {@code dynamic "<name>"} in {@code block}, or "". */
  static String dynamicForEach(JsonNode block, String name) {
    return text(block(block.path("dynamic"), name), "for_each");
  }
}
