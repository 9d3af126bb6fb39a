package dev.mlcp.registry.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** Samples used heap every few milliseconds on a daemon thread and keeps the peak. */
final class HeapPeak implements AutoCloseable {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final long baseline;
  private volatile long peak;
  private volatile boolean running = true;
  private final Thread thread;

  HeapPeak() {
    System.gc();
    baseline = memory.getHeapMemoryUsage().getUsed();
    peak = baseline;
    thread =
        new Thread(
            () -> {
              while (running) {
                long used = memory.getHeapMemoryUsage().getUsed();
                if (used > peak) {
                  peak = used;
                }
                try {
                  Thread.sleep(5);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "heap-peak");
    thread.setDaemon(true);
    thread.start();
  }

  /** Peak heap above the baseline measured at start, in MiB. */
  double peakAboveBaselineMib() {
    return (peak - baseline) / 1024.0 / 1024.0;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
