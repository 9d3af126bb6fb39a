package dev.mlcp.platform.objects.gcp;

import com.google.cloud.storage.Storage;

/** The test Storage client for benchmarks in other packages. */
public final class GcsStorageForBench {

  private GcsStorageForBench() {}

  /** A Storage client for the local server at {@code host}. */
  public static Storage storage(String host) {
    return GcsObjectStoreTest.storage(host);
  }
}
