package dev.mlcp.experiments.artifacts;

import dev.mlcp.platform.objects.ObjectListing;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Browsing the artifacts bucket (models and outputs of earlier runs) folder by folder, and
 * downloading one object: a V4 signed URL on Cloud Storage (signed through IAM Credentials with the
 * service's own identity; the caller needs no bucket access), the bytes themselves where the store
 * has no such URLs (local mode). Paths are relative to the configured root and cannot leave it.
 */
public class ArtifactService {

  /**
   * A download: either a URL to redirect to, or an open stream to send.
   *
   * @param url a signed URL, null when {@code read} is given
   * @param read the object's bytes, null when {@code url} is given
   * @param expiresIn how long the URL is valid
   */
  public record Download(URI url, ObjectRead read, Duration expiresIn) {}

  private final ObjectStore store;
  private final ObjectUri root;
  private final Duration urlValidity;

  public ArtifactService(ObjectStore store, ObjectUri root, Duration urlValidity) {
    this.store = store;
    this.root =
        root.name().isEmpty() || root.name().endsWith("/")
            ? root
            : new ObjectUri(root.bucket(), root.name() + "/");
    this.urlValidity = urlValidity;
  }

  /** The root users browse, {@code gs://bucket/prefix/}. */
  public ObjectUri root() {
    return root;
  }

  /**
   * One page of the objects and sub-folders directly under {@code prefix} (relative to the root;
   * empty for the root).
   *
   * @throws InvalidArtifactPathException for a prefix that is not a path under the root
   */
  public ObjectListing list(String prefix, int pageSize, String pageToken) {
    String p = prefix == null ? "" : prefix;
    if (!p.isEmpty() && !p.endsWith("/")) {
      // A partial name lists what starts with it, like gsutil ls gs://b/mod*.
      requirePath(p, "prefix");
    } else if (!p.isEmpty()) {
      requirePath(p.substring(0, p.length() - 1), "prefix");
    }
    return store.list(new ObjectUri(root.bucket(), root.name() + p), "/", pageSize, pageToken);
  }

  /** The object at {@code path} under the root, if it exists. */
  public Optional<ObjectMetadata> stat(String path) {
    requirePath(path, "path");
    return store.stat(at(path));
  }

  /**
   * How to download {@code path}: a signed URL, or (a store whose URLs only this machine can open)
   * the bytes.
   *
   * @throws dev.mlcp.platform.PlatformException NOT_FOUND when there is no such object
   */
  public Download download(String path) {
    requirePath(path, "path");
    ObjectUri uri = at(path);
    URI url = store.downloadUrl(uri, urlValidity);
    if ("https".equals(url.getScheme()) || "http".equals(url.getScheme())) {
      return new Download(url, null, urlValidity);
    }
    return new Download(null, store.read(uri), null);
  }

  /** The path of {@code uri} relative to the root. */
  public String relative(String objectName) {
    return objectName.startsWith(root.name())
        ? objectName.substring(root.name().length())
        : objectName;
  }

  private ObjectUri at(String path) {
    return new ObjectUri(root.bucket(), root.name() + path);
  }

  private static void requirePath(String path, String field) {
    if (path == null
        || path.isEmpty()
        || path.length() > 1024
        || path.startsWith("/")
        || path.contains("//")
        || path.contains("\\")
        || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new InvalidArtifactPathException(
          field, "must be a relative path under the artifacts root");
    }
    for (String segment : path.split("/")) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new InvalidArtifactPathException(field, "must not contain . or .. segments");
      }
    }
  }
}
