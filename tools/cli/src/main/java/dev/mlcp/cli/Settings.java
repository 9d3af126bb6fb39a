package dev.mlcp.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The user's CLI settings, {@code ~/.config/mlcp/config.json} (or {@code $XDG_CONFIG_HOME/mlcp}, or
 * the file {@code MLCP_CONFIG} names): a flat JSON object of the keys in {@link #KEYS}. It never
 * holds a token or a key.
 */
public final class Settings {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** {@code mode}, {@code email} and {@code url.<service>}. */
  public static final Set<String> KEYS =
      Set.of(
          "mode",
          "email",
          "url.experiment-vm",
          "url.training-runner",
          "url.artifact-writer",
          "url.serving-deployer");

  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

  private final Path file;
  private final Map<String, String> values;

  private Settings(Path file, Map<String, String> values) {
    this.file = file;
    this.values = values;
  }

  /** Where the settings of {@code env} live. */
  public static Path location(Env env) {
    String explicit = env.get("MLCP_CONFIG");
    if (explicit != null) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base = xdg != null ? Path.of(xdg) : env.userHome().resolve(".config");
    return base.resolve("mlcp").resolve("config.json");
  }

  /** Reads the settings; none when the file does not exist. */
  public static Settings load(Env env) {
    Path file = location(env);
    if (!Files.exists(file)) {
      return new Settings(file, new TreeMap<>());
    }
    try {
      Map<String, String> read = JSON.readValue(file.toFile(), new TypeReference<>() {});
      return new Settings(file, new TreeMap<>(read == null ? Map.of() : read));
    } catch (IOException e) {
      throw new CliException(
          Exit.USAGE, file + " is not a JSON object of strings: " + e.getMessage(), e);
    }
  }

  /** The value of {@code key}, or null. */
  public String get(String key) {
    return values.get(key);
  }

  /** Every key that is set. */
  public Map<String, String> all() {
    return Map.copyOf(values);
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** Sets {@code key} (an empty value removes it) and writes the file. */
  public void set(String key, String value) {
    check(key, value);
    if (value == null || value.isEmpty()) {
      values.remove(key);
    } else {
      values.put(key, value);
    }
    try {
      Files.createDirectories(file.getParent());
      JSON.writeValue(file.toFile(), values);
    } catch (IOException e) {
      throw new CliException(Exit.ERROR, "cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static void check(String key, String value) {
    if (!KEYS.contains(key)) {
      throw new CliException(
          Exit.USAGE, "unknown key " + key + "; one of " + new java.util.TreeSet<>(KEYS));
    }
    if (value == null || value.isEmpty()) {
      return;
    }
    if (key.equals("mode")) {
      Mode.parse(value);
    } else if (key.equals("email") && !EMAIL.matcher(value).matches()) {
      throw new CliException(Exit.USAGE, "email must look like name@domain: " + value);
    } else if (key.startsWith("url.") && !value.matches("https?://[^\\s]+")) {
      throw new CliException(Exit.USAGE, key + " must be an http(s) URL: " + value);
    }
  }
}
