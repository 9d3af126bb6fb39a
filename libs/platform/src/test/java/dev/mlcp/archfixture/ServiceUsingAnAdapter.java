package dev.mlcp.archfixture;

import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.file.Path;

/** A would-be service class that picks an adapter itself: the architecture rules reject it. */
public final class ServiceUsingAnAdapter {

  private ServiceUsingAnAdapter() {}

  /** Builds the adapter directly instead of injecting the port. */
  public static ObjectStore store() {
    return new LocalDirectoryObjectStore(Path.of("unused"));
  }
}
