package dev.mlcp.platform.objects;

import java.io.IOException;
import java.io.InputStream;

/**
 * An open read of one object version: its metadata and a stream of exactly that version's bytes.
 * Close it when done.
 *
 * @param metadata the version being read (use its generation for a conditional write back)
 * @param stream the content, streamed
 */
public record ObjectRead(ObjectMetadata metadata, InputStream stream) implements AutoCloseable {

  /** Reads the whole content; only for small objects (state documents). */
  public byte[] readAllBytes() throws IOException {
    return stream.readAllBytes();
  }

  @Override
  public void close() throws IOException {
    stream.close();
  }
}
