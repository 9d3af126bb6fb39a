package dev.mlcp.platform.secrets.local;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.internal.AtomicFiles;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.internal.LocalLocks;
import dev.mlcp.platform.secrets.AccessedSecret;
import dev.mlcp.platform.secrets.SecretInfo;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.SecretVersionState;
import dev.mlcp.platform.secrets.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@link Secrets} as files: {@code <root>/<name>/secret.json} holds labels and version states,
 * {@code <root>/<name>/v<n>} each version's value. Directories are 0700 and value files 0600,
 * created with those permissions before any byte is written.
 */
public final class LocalFileSecrets implements Secrets {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");
  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");

  private final Path root;
  private final Clock clock;

  /** A store in {@code root} (created 0700 if missing). */
  public LocalFileSecrets(Path root, Clock clock) {
    this.root = root.toAbsolutePath().normalize();
    this.clock = clock;
    try {
      Files.createDirectories(this.root);
      Files.setPosixFilePermissions(this.root, DIR_MODE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create secrets directory " + this.root, e);
    }
  }

  /** State file content. */
  record SecretFile(
      Map<String, String> labels,
      long createdEpochMillis,
      Map<String, SecretVersionState> versions,
      Map<String, String> annotations) {
    SecretFile {
      annotations = annotations == null ? Map.of() : annotations;
    }

    SecretFile withVersions(Map<String, SecretVersionState> next) {
      return new SecretFile(labels, createdEpochMillis, next, annotations);
    }
  }

  @Override
  public List<SecretInfo> list() {
    List<SecretInfo> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.sorted(Comparator.comparing(Path::toString)).toList()) {
        String name = dir.getFileName().toString();
        if (NAME.matcher(name).matches() && Files.isRegularFile(dir.resolve("secret.json"))) {
          SecretFile file = readFile(name);
          out.add(info(name, file));
        }
      }
    } catch (IOException e) {
      throw io("list secrets", e);
    }
    return out;
  }

  @Override
  public SecretInfo create(
      String name, Map<String, String> labels, Map<String, String> annotations) {
    requireName(name);
    try (LocalLocks.Held lock = lock()) {
      Path dir = root.resolve(name);
      if (Files.exists(dir.resolve("secret.json"))) {
        throw PlatformException.alreadyExists("secret " + name);
      }
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, DIR_MODE);
      SecretFile file =
          new SecretFile(
              new TreeMap<>(labels), clock.millis(), new TreeMap<>(), new TreeMap<>(annotations));
      writeFile(name, file);
      return info(name, file);
    } catch (IOException e) {
      throw io("create secret " + name, e);
    }
  }

  @Override
  public Optional<SecretInfo> get(String name) {
    requireName(name);
    if (!Files.isRegularFile(root.resolve(name).resolve("secret.json"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(info(name, readFile(name)));
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw io("read secret " + name, e);
    }
  }

  @Override
  public SecretInfo setAnnotations(String name, Map<String, String> annotations) {
    requireName(name);
    try (LocalLocks.Held lock = lock()) {
      SecretFile file = readFile(name);
      SecretFile next =
          new SecretFile(
              file.labels(),
              file.createdEpochMillis(),
              file.versions(),
              new TreeMap<>(annotations));
      writeFile(name, next);
      return info(name, next);
    } catch (IOException e) {
      throw io("update secret " + name, e);
    }
  }

  @Override
  public String addVersion(String name, SecretValue value) {
    requireName(name);
    try (LocalLocks.Held lock = lock()) {
      SecretFile file = readFile(name);
      int next = file.versions().keySet().stream().mapToInt(Integer::parseInt).max().orElse(0) + 1;
      String version = Integer.toString(next);
      byte[] bytes = value.bytes();
      try {
        AtomicFiles.write(root.resolve(name).resolve("v" + version), bytes, FILE_MODE);
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
      TreeMap<String, SecretVersionState> versions = new TreeMap<>(file.versions());
      versions.put(version, SecretVersionState.ENABLED);
      writeFile(name, file.withVersions(versions));
      return version;
    } catch (IOException e) {
      throw io("add a version to secret " + name, e);
    }
  }

  @Override
  public SecretValue access(String name, String version) {
    return accessVersion(name, version).value();
  }

  @Override
  public AccessedSecret accessVersion(String name, String version) {
    requireName(name);
    try (LocalLocks.Held lock = lock()) {
      SecretFile file = readFile(name);
      String resolved = resolve(name, file, version);
      SecretVersionState state = file.versions().get(resolved);
      if (state != SecretVersionState.ENABLED) {
        throw PlatformException.conflict(
            "FAILED_PRECONDITION", "secret " + name + " version " + resolved + " is " + state);
      }
      byte[] bytes = Files.readAllBytes(root.resolve(name).resolve("v" + resolved));
      try {
        return new AccessedSecret(resolved, SecretValue.ofBytes(bytes));
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
    } catch (IOException e) {
      throw io("access secret " + name, e);
    }
  }

  @Override
  public void disableVersion(String name, String version) {
    setState(name, version, SecretVersionState.DISABLED);
  }

  @Override
  public void destroyVersion(String name, String version) {
    setState(name, version, SecretVersionState.DESTROYED);
  }

  private void setState(String name, String version, SecretVersionState state) {
    requireName(name);
    try (LocalLocks.Held lock = lock()) {
      SecretFile file = readFile(name);
      String resolved = resolve(name, file, version);
      if (file.versions().get(resolved) == SecretVersionState.DESTROYED) {
        throw PlatformException.conflict(
            "FAILED_PRECONDITION", "secret " + name + " version " + resolved + " is destroyed");
      }
      TreeMap<String, SecretVersionState> versions = new TreeMap<>(file.versions());
      versions.put(resolved, state);
      if (state == SecretVersionState.DESTROYED) {
        Files.deleteIfExists(root.resolve(name).resolve("v" + resolved));
      }
      writeFile(name, file.withVersions(versions));
    } catch (IOException e) {
      throw io("change secret " + name, e);
    }
  }

  private static String resolve(String name, SecretFile file, String version) {
    if (LATEST.equals(version)) {
      return file.versions().entrySet().stream()
          .filter(e -> e.getValue() == SecretVersionState.ENABLED)
          .map(Map.Entry::getKey)
          .max(Comparator.comparingInt(Integer::parseInt))
          .orElseThrow(() -> PlatformException.notFound("an enabled version of secret " + name));
    }
    if (!file.versions().containsKey(version)) {
      throw PlatformException.notFound("secret " + name + " version " + version);
    }
    return version;
  }

  private SecretFile readFile(String name) throws IOException {
    try {
      return Json.MAPPER.readValue(
          Files.readAllBytes(root.resolve(name).resolve("secret.json")), SecretFile.class);
    } catch (NoSuchFileException e) {
      throw PlatformException.notFound("secret " + name);
    }
  }

  private void writeFile(String name, SecretFile file) throws IOException {
    AtomicFiles.write(
        root.resolve(name).resolve("secret.json"), Json.MAPPER.writeValueAsBytes(file), FILE_MODE);
  }

  private LocalLocks.Held lock() {
    return LocalLocks.acquire(root.resolve(".lock"));
  }

  private static SecretInfo info(String name, SecretFile file) {
    return new SecretInfo(
        name, file.labels(), file.annotations(), Instant.ofEpochMilli(file.createdEpochMillis()));
  }

  private static void requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw PlatformException.invalid("invalid secret name: " + name);
    }
  }

  private static PlatformException io(String what, IOException e) {
    return new PlatformException(
        PlatformException.Kind.TRANSIENT, "ioError", "cannot " + what + ": " + e.getMessage(), e);
  }
}
