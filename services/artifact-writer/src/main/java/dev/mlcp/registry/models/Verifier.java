package dev.mlcp.registry.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Re-reads a version and checks it against its manifest and the manifest against the registered
 * SHA-256 (serving-deployer calls it before deploying; KServe cannot verify a digest at load,
 * kserve#5789): every file must be there with its size and checksums, and nothing else may be.
 */
public final class Verifier {
  /** Largest manifest read. */
  static final int MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

  private final RegistryRepository repo;
  private final ObjectStore store;
  private final ObjectMapper manifestJson;
  private final Clock clock;

  public Verifier(RegistryRepository repo, ObjectStore store, ObjectMapper json, Clock clock) {
    this.repo = repo;
    this.store = store;
    this.manifestJson = Manifests.mapper(json);
    this.clock = clock;
  }

  /**
   * What verification found.
   *
   * @param model the model
   * @param version {@code v<n>}
   * @param verified whether everything matched
   * @param manifestSha256 the registered SHA-256 of the manifest
   * @param files files checked
   * @param bytes bytes read
   * @param problems each problem, naming its file
   * @param checkedAt when
   */
  public record Result(
      String model,
      String version,
      boolean verified,
      String manifestSha256,
      int files,
      long bytes,
      List<Problem> problems,
      Instant checkedAt) {}

  /**
   * One problem.
   *
   * @param file the file, relative to the version
   * @param problem what is wrong
   */
  public record Problem(String file, String problem) {}

  /** Verifies version {@code n} of {@code model} (which must be registered). */
  public Result verify(String model, int n) {
    ModelVersion v = repo.registered(model, n);
    ObjectUri prefix = ObjectUri.parse(v.uri());
    List<Problem> problems = new ArrayList<>();
    byte[] manifestBytes;
    try (ObjectRead in = store.read(prefix.resolve(Manifest.NAME))) {
      manifestBytes = in.stream().readNBytes(MAX_MANIFEST_BYTES);
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.NOT_FOUND) {
        throw e;
      }
      problems.add(new Problem(Manifest.NAME, "missing"));
      return new Result(
          model, v.name(), false, v.manifestSha256(), 0, 0, problems, clock.instant());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String sha = Digests.sha256(manifestBytes);
    if (!sha.equals(v.manifestSha256())) {
      problems.add(
          new Problem(
              Manifest.NAME,
              "sha256 is " + sha + ", the version was registered with " + v.manifestSha256()));
    }
    Manifest manifest;
    try {
      manifest = Manifests.parse(manifestJson, manifestBytes);
    } catch (UncheckedIOException e) {
      problems.add(new Problem(Manifest.NAME, "cannot be read as a manifest"));
      return new Result(
          model, v.name(), false, v.manifestSha256(), 0, 0, problems, clock.instant());
    }
    long bytes = 0;
    Set<String> listed = new HashSet<>();
    for (Manifest.File f : manifest.files()) {
      listed.add(f.path());
      try (ObjectRead in = store.read(prefix.resolve(f.path()))) {
        Digests.Result d = Digests.of(in.stream());
        bytes += d.size();
        check(problems, f.path(), "size", f.sizeBytes(), d.size());
        if (f.sha256() != null) {
          check(problems, f.path(), "sha256", f.sha256(), d.sha256());
        }
        if (f.md5() != null) {
          check(problems, f.path(), "md5", f.md5(), d.md5());
        }
        if (f.crc32c() != null) {
          check(problems, f.path(), "crc32c", f.crc32c(), d.crc32c());
        }
      } catch (PlatformException e) {
        if (e.kind() != PlatformException.Kind.NOT_FOUND) {
          throw e;
        }
        problems.add(new Problem(f.path(), "missing"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    for (ObjectMetadata m : store.listAll(prefix).toList()) {
      String path = m.uri().name().substring(prefix.name().length());
      if (!path.equals(Manifest.NAME) && !listed.contains(path)) {
        problems.add(new Problem(path, "not in the manifest"));
      }
    }
    return new Result(
        model,
        v.name(),
        problems.isEmpty(),
        v.manifestSha256(),
        manifest.files().size(),
        bytes,
        problems,
        clock.instant());
  }

  private static void check(
      List<Problem> problems, String path, String what, Object expected, Object actual) {
    if (!expected.equals(actual)) {
      problems.add(new Problem(path, what + " is " + actual + ", the manifest says " + expected));
    }
  }
}
