package dev.mlcp.platform.objects.gcp;

import java.io.IOException;
import java.nio.file.Path;

/** Lets tests outside this package start the local GCS JSON API server. */
public final class FakeGcsServerAccess implements AutoCloseable {

  private final FakeGcsServer server;

  /** Starts a server keeping its objects under {@code dir}. */
  public FakeGcsServerAccess(Path dir) throws IOException {
    this.server = new FakeGcsServer(dir);
  }

  /** The server's base URL, to use as the Storage host. */
  public String baseUrl() {
    return server.baseUrl();
  }

  /** Stores an object directly (no HTTP), for seeding large benchmarks. */
  public void seed(String bucket, String name, byte[] content, String contentType)
      throws IOException {
    server.seed(bucket, name, content, contentType);
  }

  @Override
  public void close() {
    server.close();
  }
}
