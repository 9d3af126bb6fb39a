package dev.mlcp.platform.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The python3 this machine's {@code PATH} resolves to, found once per process, so that the local
 * "VMs" and serving instances this process starts (the agent, fake docker, trainers, model servers)
 * call the interpreter itself. A version manager's shim (pyenv's {@code python3} is a bash script
 * that runs a dozen more) costs about a second of CPU per call, paid by every {@code python3} an
 * agent or a trainer runs; with the interpreter's directory first on their {@code PATH} they get
 * the same interpreter without the shim. Local mode only: a real VM has its image's python3.
 */
public final class LocalPython {

  private static volatile Optional<Path> binDir;

  private LocalPython() {}

  /**
   * Puts the interpreter's directory first on {@code env}'s {@code PATH} (or the inherited one),
   * when {@code python3} resolves to an interpreter elsewhere than the first {@code python3} on the
   * path. Leaves {@code env} unchanged when python3 is missing or already direct.
   */
  public static void putFirstOnPath(Map<String, String> env) {
    Optional<Path> dir = binDir();
    if (dir.isEmpty()) {
      return;
    }
    String path = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", ""));
    String first = dir.get().toString();
    if (path.equals(first) || path.startsWith(first + ":")) {
      return;
    }
    env.put("PATH", path.isEmpty() ? first : first + ":" + path);
  }

  /** The directory of the interpreter {@code python3} runs, if it could be found. */
  public static Optional<Path> binDir() {
    Optional<Path> dir = binDir;
    if (dir == null) {
      synchronized (LocalPython.class) {
        dir = binDir;
        if (dir == null) {
          dir = resolve();
          binDir = dir;
        }
      }
    }
    return dir;
  }

  private static Optional<Path> resolve() {
    try {
      Process p =
          new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)")
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readNBytes(4096);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      if (p.exitValue() != 0) {
        return Optional.empty();
      }
      Path exe = Path.of(new String(out, StandardCharsets.UTF_8).strip());
      if (!exe.isAbsolute() || !Files.isExecutable(exe) || exe.getParent() == null) {
        return Optional.empty();
      }
      // Only when "python3" exists beside the interpreter: that directory then answers it.
      Path beside = exe.getParent().resolve("python3");
      return Files.isExecutable(beside) ? Optional.of(exe.getParent()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
