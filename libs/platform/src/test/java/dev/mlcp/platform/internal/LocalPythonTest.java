package dev.mlcp.platform.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalPythonTest {

  @Test
  void the_interpreters_directory_goes_first_on_the_path_once() {
    Path dir = LocalPython.binDir().orElseThrow(() -> new AssertionError("python3 not found"));
    assertThat(dir.resolve("python3")).satisfies(p -> assertThat(Files.isExecutable(p)).isTrue());

    Map<String, String> env = new HashMap<>(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"));
    LocalPython.putFirstOnPath(env);
    assertThat(env.get("PATH")).isEqualTo(dir + ":/usr/local/bin:/usr/bin:/bin");

    LocalPython.putFirstOnPath(env);
    assertThat(env.get("PATH")).isEqualTo(dir + ":/usr/local/bin:/usr/bin:/bin");
  }

  @Test
  void without_a_path_in_the_map_the_inherited_one_is_extended() {
    Path dir = LocalPython.binDir().orElseThrow();
    Map<String, String> env = new HashMap<>();
    LocalPython.putFirstOnPath(env);
    // Unchanged (absent) when the inherited PATH already starts with it.
    assertThat(env.getOrDefault("PATH", System.getenv("PATH")))
        .startsWith(dir.toString())
        .endsWith(System.getenv("PATH"));
  }
}
