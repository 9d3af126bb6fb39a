package dev.mlcp.platform.objects;

import java.util.regex.Pattern;

/**
 * The address of an object: {@code gs://bucket/name}.
 *
 * @param bucket bucket name (GCS naming rules, lower case)
 * @param name object name, may contain {@code /}; empty only for a bucket-wide prefix
 */
public record ObjectUri(String bucket, String name) {

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]");

  /** Validates the bucket name and that the object name does not escape the bucket. */
  public ObjectUri {
    if (bucket == null || !BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException("invalid bucket name: " + bucket);
    }
    if (name == null) {
      name = "";
    }
    if (name.startsWith("/")
        || name.contains("//")
        || name.contains("\0")
        || name.equals("..")
        || name.startsWith("../")
        || name.contains("/../")
        || name.endsWith("/..")
        || name.equals(".")
        || name.startsWith("./")
        || name.contains("/./")) {
      throw new IllegalArgumentException("invalid object name: " + name);
    }
  }

  /** Parses {@code gs://bucket/name}. */
  public static ObjectUri parse(String uri) {
    if (uri == null || !uri.startsWith("gs://")) {
      throw new IllegalArgumentException("not a gs:// URI: " + uri);
    }
    String rest = uri.substring(5);
    int slash = rest.indexOf('/');
    return slash < 0
        ? new ObjectUri(rest, "")
        : new ObjectUri(rest.substring(0, slash), rest.substring(slash + 1));
  }

  /** An object in the same bucket whose name is this name plus {@code suffix}. */
  public ObjectUri resolve(String suffix) {
    if (name.isEmpty() || name.endsWith("/")) {
      return new ObjectUri(bucket, name + suffix);
    }
    return new ObjectUri(bucket, name + "/" + suffix);
  }

  @Override
  public String toString() {
    return "gs://" + bucket + "/" + name;
  }
}
