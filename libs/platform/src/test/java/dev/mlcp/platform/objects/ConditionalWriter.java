package dev.mlcp.platform.objects;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate process for the cross-process race test: waits for a start file, then several threads
 * try a conditional write; prints how many won.
 */
public final class ConditionalWriter {

  private ConditionalWriter() {}

  /** Args: root, gs:// URI, expected generation, thread count, start file, label. */
  public static void main(String[] args) throws Exception {
    LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(Path.of(args[0]));
    ObjectUri uri = ObjectUri.parse(args[1]);
    long generation = Long.parseLong(args[2]);
    int threads = Integer.parseInt(args[3]);
    Path start = Path.of(args[4]);
    while (!Files.exists(start)) {
      Thread.sleep(1);
    }
    AtomicInteger wins = new AtomicInteger();
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      String body = args[5] + "-" + i;
      Thread t =
          new Thread(
              () -> {
                try {
                  store.write(
                      uri,
                      body.getBytes(StandardCharsets.UTF_8),
                      null,
                      WriteCondition.generationMatch(generation));
                  wins.incrementAndGet();
                } catch (PlatformException e) {
                  if (e.kind() != PlatformException.Kind.CONFLICT) {
                    throw e;
                  }
                }
              });
      all.add(t);
      t.start();
    }
    for (Thread t : all) {
      t.join();
    }
    System.out.println("wins=" + wins.get());
  }
}
