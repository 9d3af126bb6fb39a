package dev.mlcp.messaging.bench;

import java.util.concurrent.atomic.AtomicLong;

/** Counts deliveries and remembers when the first and the last arrived. */
public final class BenchCounter {
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong first = new AtomicLong();
  private volatile long last;

  /** Records one delivery. */
  public void hit() {
    long now = System.nanoTime();
    first.compareAndSet(0, now);
    last = now;
    count.incrementAndGet();
  }

  /** Deliveries so far. */
  public long count() {
    return count.get();
  }

  /** Messages per second between the first and the last delivery. */
  public double perSecond() {
    long elapsed = last - first.get();
    return elapsed <= 0 ? Double.NaN : (count.get() - 1) * 1e9 / elapsed;
  }

  /** Seconds between the first and the last delivery. */
  public double seconds() {
    return (last - first.get()) / 1e9;
  }
}
