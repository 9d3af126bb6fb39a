package dev.mlcp.platform.ids;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Locale;
import java.util.Random;

/**
 * ULID ids (48-bit millisecond time + 80 random bits, Crockford base32), lower-cased so that they
 * are valid in GCE names and labels. Ids made in the same millisecond by one generator stay ordered
 * (monotonic increment of the random part).
 */
public final class UlidIdGenerator implements IdGenerator {

  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

  private final Clock clock;
  private final Random random;
  private long lastMillis = -1;
  private long randomHigh;
  private long randomLow;

  /** A generator on the system clock with a secure random source. */
  public UlidIdGenerator() {
    this(Clock.systemUTC(), new SecureRandom());
  }

  /** A generator with the given clock and randomness (tests). */
  public UlidIdGenerator(Clock clock, Random random) {
    this.clock = clock;
    this.random = random;
  }

  @Override
  public synchronized String newId() {
    long now = clock.millis();
    if (now == lastMillis) {
      randomLow = (randomLow + 1) & 0xFFFFFFFFFFL;
      if (randomLow == 0) {
        randomHigh = (randomHigh + 1) & 0xFFFFFFFFFFL;
      }
    } else {
      lastMillis = now;
      randomHigh = random.nextLong() & 0xFFFFFFFFFFL;
      randomLow = random.nextLong() & 0xFFFFFFFFFFL;
    }
    char[] out = new char[26];
    long time = now;
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    long high = randomHigh;
    for (int i = 17; i >= 10; i--) {
      out[i] = ALPHABET[(int) (high & 31)];
      high >>>= 5;
    }
    long low = randomLow;
    for (int i = 25; i >= 18; i--) {
      out[i] = ALPHABET[(int) (low & 31)];
      low >>>= 5;
    }
    return new String(out).toLowerCase(Locale.ROOT);
  }
}
