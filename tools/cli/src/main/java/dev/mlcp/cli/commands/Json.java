package dev.mlcp.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Exit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** JSON helpers of the commands. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** A JSON or YAML object from a file ({@code -} for stdin). */
  static ObjectNode file(String name, InputStream stdin) {
    try {
      String text =
          name.equals("-")
              ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(name));
      JsonNode n = (text.stripLeading().startsWith("{") ? MAPPER : YAML).readTree(text);
      if (n == null || !n.isObject()) {
        throw new CliException(Exit.USAGE, name + " must hold one JSON or YAML object");
      }
      return (ObjectNode) n;
    } catch (IOException e) {
      throw new CliException(Exit.USAGE, "cannot read " + name + ": " + e.getMessage(), e);
    }
  }

  /** A value read from a file ({@code -} for stdin), without its final newline. */
  static String value(String name, InputStream stdin) {
    try {
      String v =
          name.equals("-")
              ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(name));
      return v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
    } catch (IOException e) {
      throw new CliException(Exit.USAGE, "cannot read " + name + ": " + e.getMessage(), e);
    }
  }

  /** {@code 90s}, {@code 30m}, {@code 4h}, {@code 2d} or ISO-8601 ({@code PT4H}). */
  static Duration duration(String text, String option) {
    try {
      if (text.matches("\\d+[smhd]")) {
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      return Duration.parse(text.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new CliException(
          Exit.USAGE, option + " must look like 90s, 30m, 4h, 2d or PT4H, not " + text);
    }
  }
}
