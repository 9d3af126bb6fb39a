package dev.mlcp.platform.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.local.LocalDirectoryObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectoryObjectStoreTest extends ObjectStoreContract {

  @TempDir Path root;
  private LocalDirectoryObjectStore store;

  @BeforeEach
  void setUp() {
    store = new LocalDirectoryObjectStore(root);
  }

  @Override
  protected ObjectStore store() {
    return store;
  }

  @Override
  protected String bucket() {
    return "mlcp-test";
  }

  @Test
  void a_copy_is_a_file_copy_that_keeps_the_sources_checksums_and_content_type() throws Exception {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(content);
    ObjectUri source = ObjectUri.parse("gs://mlcp-test/staging/run-1/weights.bin");
    ObjectMetadata written =
        store.write(source, content, "application/octet-stream", WriteCondition.none());

    ObjectMetadata copied =
        store.copy(
            source,
            ObjectUri.parse("gs://other-bucket/models/m/versions/1/weights.bin"),
            WriteCondition.doesNotExist());

    assertThat(Files.readAllBytes(root.resolve("other-bucket/models/m/versions/1/weights.bin")))
        .isEqualTo(content);
    assertThat(copied.size()).isEqualTo(content.length);
    assertThat(copied.crc32c()).isNotNull().isEqualTo(written.crc32c());
    assertThat(copied.md5()).isNotNull().isEqualTo(written.md5());
    assertThat(copied.contentType()).isEqualTo("application/octet-stream");
    assertThat(store.stat(copied.uri())).contains(copied);
    assertThat(copied.generation()).isPositive();
  }

  @Test
  void copying_a_missing_object_is_not_found_and_leaves_no_target() {
    ObjectUri target = ObjectUri.parse("gs://mlcp-test/copy/of-nothing.bin");

    assertThatThrownBy(() -> store.copy(ObjectUri.parse("gs://mlcp-test/nothing.bin"), target))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.NOT_FOUND));
    assertThat(store.stat(target)).isEmpty();
  }

  @Test
  void objects_are_plain_files_under_root_bucket_name() throws Exception {
    store.write(
        ObjectUri.parse("gs://mlcp-test/staging/run-1/model.txt"),
        "weights".getBytes(StandardCharsets.UTF_8),
        null,
        WriteCondition.none());

    assertThat(Files.readString(root.resolve("mlcp-test/staging/run-1/model.txt")))
        .isEqualTo("weights");
  }

  @Test
  void conditional_writes_from_several_processes_let_exactly_one_win() throws Exception {
    ObjectUri uri = ObjectUri.parse("gs://mlcp-test/state/contended.json");
    long base =
        store
            .write(uri, "{}".getBytes(StandardCharsets.UTF_8), null, WriteCondition.none())
            .generation();
    Path start = root.resolve("go");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    java.util.List<Process> processes = new java.util.ArrayList<>();
    for (int p = 0; p < 3; p++) {
      processes.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  ConditionalWriter.class.getName(),
                  root.toString(),
                  uri.toString(),
                  Long.toString(base),
                  "4",
                  start.toString(),
                  "proc" + p)
              .redirectErrorStream(true)
              .start());
    }
    Files.writeString(start, "");
    int wins = 0;
    for (Process process : processes) {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor()).as(out).isZero();
      wins += Integer.parseInt(out.replaceAll("(?s).*wins=(\\d+).*", "$1"));
    }

    assertThat(wins).isEqualTo(1);
    assertThat(store.stat(uri).orElseThrow().generation()).isGreaterThan(base);
  }

  @Test
  void a_second_store_on_the_same_directory_sees_generations_and_conditions() {
    ObjectUri uri = ObjectUri.parse("gs://mlcp-test/state/run.json");
    long generation =
        store
            .write(uri, "{}".getBytes(StandardCharsets.UTF_8), null, WriteCondition.doesNotExist())
            .generation();

    LocalDirectoryObjectStore other = new LocalDirectoryObjectStore(root);

    assertThat(other.stat(uri)).get().extracting(ObjectMetadata::generation).isEqualTo(generation);
  }
}
