package dev.mlcp.platform.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ObjectStore} adapter must have. Subclasses provide the adapter and a
 * bucket that exists and starts empty.
 */
public abstract class ObjectStoreContract {

  /** The adapter under test. */
  protected abstract ObjectStore store();

  /** A bucket that exists and is empty at the start of each test. */
  protected abstract String bucket();

  private ObjectUri uri(String name) {
    return new ObjectUri(bucket(), name);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void written_bytes_read_back_with_checksums_and_generation() throws Exception {
    byte[] content = new byte[300_000];
    new Random(7).nextBytes(content);
    ObjectMetadata written =
        store()
            .write(
                uri("runs/run-1/state.json"), content, "application/json", WriteCondition.none());

    assertThat(written.size()).isEqualTo(content.length);
    assertThat(written.generation()).isPositive();
    CRC32C crc = new CRC32C();
    crc.update(content);
    assertThat(written.crc32c())
        .isEqualTo(
            Base64.getEncoder()
                .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array()));
    assertThat(written.md5())
        .isEqualTo(
            Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(content)));
    try (ObjectRead read = store().read(uri("runs/run-1/state.json"))) {
      assertThat(read.readAllBytes()).isEqualTo(content);
      assertThat(read.metadata().generation()).isEqualTo(written.generation());
    }
    assertThat(store().stat(uri("runs/run-1/state.json")))
        .get()
        .satisfies(
            m -> {
              assertThat(m.generation()).isEqualTo(written.generation());
              assertThat(m.size()).isEqualTo(content.length);
              assertThat(m.contentType()).isEqualTo("application/json");
            });
  }

  @Test
  void every_write_gets_a_new_generation() {
    long first = store().write(uri("a.txt"), utf8("1"), null, WriteCondition.none()).generation();
    long second = store().write(uri("a.txt"), utf8("2"), null, WriteCondition.none()).generation();
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void must_not_exist_condition_fails_when_object_exists() {
    store().write(uri("once.txt"), utf8("first"), null, WriteCondition.doesNotExist());

    assertThatThrownBy(
            () ->
                store().write(uri("once.txt"), utf8("second"), null, WriteCondition.doesNotExist()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThat(readString("once.txt")).isEqualTo("first");
  }

  @Test
  void generation_match_rejects_a_stale_generation_and_accepts_the_current_one() {
    long g1 = store().write(uri("doc.json"), utf8("v1"), null, WriteCondition.none()).generation();
    long g2 =
        store()
            .write(uri("doc.json"), utf8("v2"), null, WriteCondition.generationMatch(g1))
            .generation();

    assertThatThrownBy(
            () ->
                store()
                    .write(uri("doc.json"), utf8("v3"), null, WriteCondition.generationMatch(g1)))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThat(g2).isNotEqualTo(g1);
    assertThat(readString("doc.json")).isEqualTo("v2");
  }

  @Test
  void concurrent_conditional_writes_let_exactly_one_win() throws Exception {
    long base =
        store().write(uri("race.json"), utf8("base"), null, WriteCondition.none()).generation();
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      String body = "writer-" + i;
      results.add(
          pool.submit(
              () -> {
                start.await();
                try {
                  store()
                      .write(
                          uri("race.json"), utf8(body), null, WriteCondition.generationMatch(base));
                  return true;
                } catch (PlatformException e) {
                  assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT);
                  return false;
                }
              }));
    }
    start.countDown();
    int wins = 0;
    for (Future<Boolean> result : results) {
      if (result.get(60, TimeUnit.SECONDS)) {
        wins++;
      }
    }
    pool.shutdown();
    assertThat(wins).isEqualTo(1);
    assertThat(readString("race.json")).startsWith("writer-");
  }

  @Test
  void reading_a_missing_object_is_not_found() {
    assertThatThrownBy(() -> store().read(uri("nope.bin")))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
    assertThat(store().stat(uri("nope.bin"))).isEmpty();
  }

  @Test
  void listing_by_prefix_pages_through_all_matches_in_name_order() {
    for (int i = 0; i < 5; i++) {
      store()
          .write(
              uri("staging/run-9/out-" + i + ".bin"), utf8("x" + i), null, WriteCondition.none());
    }
    store().write(uri("staging/run-10/other.bin"), utf8("y"), null, WriteCondition.none());
    store().write(uri("registry/model.bin"), utf8("z"), null, WriteCondition.none());

    List<String> names = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      Page<ObjectMetadata> page = store().list(uri("staging/run-9/"), 2, token);
      page.items().forEach(m -> names.add(m.uri().name()));
      token = page.nextPageToken();
      pages++;
    } while (token != null);

    assertThat(names)
        .containsExactly(
            "staging/run-9/out-0.bin",
            "staging/run-9/out-1.bin",
            "staging/run-9/out-2.bin",
            "staging/run-9/out-3.bin",
            "staging/run-9/out-4.bin");
    assertThat(pages).isGreaterThanOrEqualTo(3);
    assertThat(store().listAll(uri("staging/")).count()).isEqualTo(6);
  }

  @Test
  void delimiter_listing_shows_the_objects_of_a_level_and_each_sub_prefix_once() {
    for (String name :
        List.of(
            "exp/a.txt",
            "exp/b/1.bin",
            "exp/b/2.bin",
            "exp/c/x/y.bin",
            "exp/d.txt",
            "expo/z.txt",
            "other.txt")) {
      store().write(uri(name), utf8(name), null, WriteCondition.none());
    }

    ObjectListing all = store().list(uri("exp/"), "/", 10, null);
    assertThat(all.objects())
        .extracting(m -> m.uri().name())
        .containsExactly("exp/a.txt", "exp/d.txt");
    assertThat(all.objects().get(0).size()).isEqualTo(9);
    assertThat(all.prefixes()).containsExactly("exp/b/", "exp/c/");
    assertThat(all.nextPageToken()).isNull();

    List<String> paged = new ArrayList<>();
    String token = null;
    do {
      ObjectListing page = store().list(uri("exp/"), "/", 1, token);
      assertThat(page.objects().size() + page.prefixes().size()).isLessThanOrEqualTo(1);
      page.objects().forEach(m -> paged.add(m.uri().name()));
      paged.addAll(page.prefixes());
      token = page.nextPageToken();
    } while (token != null);
    assertThat(paged).containsExactlyInAnyOrder("exp/a.txt", "exp/b/", "exp/c/", "exp/d.txt");

    ObjectListing root = store().list(new ObjectUri(bucket(), ""), "/", 10, null);
    assertThat(root.prefixes()).contains("exp/", "expo/");
    assertThat(root.objects()).extracting(m -> m.uri().name()).contains("other.txt");
  }

  @Test
  void copy_makes_an_independent_object() {
    store().write(uri("src.txt"), utf8("payload"), "text/plain", WriteCondition.none());

    ObjectMetadata copied = store().copy(uri("src.txt"), uri("dst/copy.txt"));
    store().write(uri("src.txt"), utf8("changed"), null, WriteCondition.none());

    assertThat(copied.size()).isEqualTo(7);
    assertThat(readString("dst/copy.txt")).isEqualTo("payload");
  }

  @Test
  void conditional_copy_never_overwrites_an_existing_target() {
    store().write(uri("src.bin"), utf8("first"), "text/plain", WriteCondition.none());
    ObjectMetadata copied =
        store().copy(uri("src.bin"), uri("versions/1/src.bin"), WriteCondition.doesNotExist());
    store().write(uri("src.bin"), utf8("second"), null, WriteCondition.none());

    assertThatThrownBy(
            () ->
                store()
                    .copy(uri("src.bin"), uri("versions/1/src.bin"), WriteCondition.doesNotExist()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.CONFLICT));
    assertThat(readString("versions/1/src.bin")).isEqualTo("first");
    assertThat(copied.md5()).isEqualTo(store().stat(uri("versions/1/src.bin")).get().md5());
    assertThat(copied.crc32c()).isNotNull();
    assertThat(copied.contentType()).isEqualTo("text/plain");
  }

  @Test
  void conditional_delete_deletes_only_the_generation_it_names() {
    ObjectMetadata first = store().write(uri("cond.txt"), utf8("one"), null, WriteCondition.none());
    ObjectMetadata second =
        store().write(uri("cond.txt"), utf8("two"), null, WriteCondition.none());

    assertThatThrownBy(
            () ->
                store().delete(uri("cond.txt"), WriteCondition.generationMatch(first.generation())))
        .isInstanceOf(PlatformException.class)
        .extracting(e -> ((PlatformException) e).kind())
        .isEqualTo(PlatformException.Kind.CONFLICT);
    assertThat(store().stat(uri("cond.txt"))).isPresent();

    assertThat(store().delete(uri("cond.txt"), WriteCondition.generationMatch(second.generation())))
        .isTrue();
    assertThat(store().stat(uri("cond.txt"))).isEmpty();
  }

  @Test
  void delete_reports_whether_the_object_existed() {
    store().write(uri("gone.txt"), utf8("x"), null, WriteCondition.none());

    assertThat(store().delete(uri("gone.txt"))).isTrue();
    assertThat(store().delete(uri("gone.txt"))).isFalse();
    assertThat(store().stat(uri("gone.txt"))).isEmpty();
  }

  @Test
  void large_objects_stream_through_without_loss() throws Exception {
    long size = 24L * 1024 * 1024 + 13;
    store().write(uri("big.bin"), new PatternStream(size), null, WriteCondition.none());

    try (ObjectRead read = store().read(uri("big.bin"))) {
      assertThat(read.metadata().size()).isEqualTo(size);
      assertThat(PatternStream.matches(read.stream(), size)).isTrue();
    }
  }

  @Test
  void download_url_is_given_for_an_existing_object() {
    store().write(uri("dl/file.txt"), utf8("hello"), null, WriteCondition.none());

    assertThat(store().downloadUrl(uri("dl/file.txt"), Duration.ofMinutes(5)).toString())
        .contains("file.txt");
  }

  private String readString(String name) {
    try (ObjectRead read = store().read(uri(name))) {
      return new String(read.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A deterministic byte stream of a given length that is never held in memory. */
  public static final class PatternStream extends InputStream {
    private final long size;
    private long position;

    /** A stream of {@code size} bytes. */
    public PatternStream(long size) {
      this.size = size;
    }

    static int at(long position) {
      return (int) ((position * 31 + (position >>> 11)) & 0xFF);
    }

    @Override
    public int read() {
      return position < size ? at(position++) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - position);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) at(position++);
      }
      return n;
    }

    /** Whether {@code in} holds exactly the pattern of length {@code size}. */
    public static boolean matches(InputStream in, long size) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      long position = 0;
      int n;
      while ((n = in.read(buffer)) >= 0) {
        for (int i = 0; i < n; i++) {
          if ((buffer[i] & 0xFF) != at(position++)) {
            return false;
          }
        }
      }
      return position == size;
    }
  }
}
