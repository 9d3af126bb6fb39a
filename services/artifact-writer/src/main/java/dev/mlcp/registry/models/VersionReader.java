package dev.mlcp.registry.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Reads a registered version: its manifest and its files, by the manifest's paths only. */
public final class VersionReader {
  private final RegistryRepository repo;
  private final ObjectStore store;
  private final ObjectMapper manifestJson;

  public VersionReader(RegistryRepository repo, ObjectStore store, ObjectMapper json) {
    this.repo = repo;
    this.store = store;
    this.manifestJson = Manifests.mapper(json);
  }

  /** The stored bytes of version {@code n}'s manifest. */
  public byte[] manifestBytes(ModelVersion v) {
    try (ObjectRead in = store.read(ObjectUri.parse(v.uri()).resolve(Manifest.NAME))) {
      return in.stream().readNBytes(Verifier.MAX_MANIFEST_BYTES);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Version {@code n}'s manifest. */
  public Manifest manifest(ModelVersion v) {
    return Manifests.parse(manifestJson, manifestBytes(v));
  }

  /** The registered version {@code n} of {@code model}. */
  public ModelVersion registered(String model, int n) {
    return repo.registered(model, n);
  }

  /**
   * The object of {@code path} in version {@code v}, when the manifest lists it (or it is the
   * manifest itself); no other object of the bucket can be reached this way.
   */
  public Optional<ObjectUri> file(ModelVersion v, String path) {
    if (path == null) {
      return Optional.empty();
    }
    if (!path.equals(Manifest.NAME)
        && manifest(v).files().stream().noneMatch(f -> f.path().equals(path))) {
      return Optional.empty();
    }
    return Optional.of(ObjectUri.parse(v.uri()).resolve(path));
  }

  /** A URL the file can be downloaded from without credentials (signed on GCS). */
  public URI url(ObjectUri file, Duration validFor) {
    return store.downloadUrl(file, validFor);
  }

  /** Opens the file for streaming. */
  public ObjectRead open(ObjectUri file) {
    return store.read(file);
  }
}
