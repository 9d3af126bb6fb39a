package dev.mlcp.platform.objects.local;

import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.internal.AtomicFiles;
import dev.mlcp.platform.internal.Json;
import dev.mlcp.platform.internal.LocalLocks;
import dev.mlcp.platform.objects.ObjectListing;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * {@link ObjectStore} on a directory: {@code gs://bucket/name} is the file {@code
 * <root>/<bucket>/<name>}; each object's generation and checksums live in a sidecar file under
 * {@code <root>/.mlcp-meta/}. Content is streamed to a temporary file first; the precondition check
 * and the rename into place happen under a lock that holds across threads and processes, so exactly
 * one of several racing conditional writes wins. Locks are per object (one of {@value
 * #LOCK_STRIPES} lock files per bucket, chosen by the object's name), as GCS preconditions are:
 * writes to different objects do not wait for each other (a lock per bucket made every state write
 * of a busy service queue behind one file lock).
 */
public final class LocalDirectoryObjectStore implements ObjectStore {

  private static final String META_DIR = ".mlcp-meta";
  private static final int BUFFER = 256 * 1024;

  /** Lock files per bucket; an object's lock is one of them, by the hash of its name. */
  static final int LOCK_STRIPES = 64;

  private final Path root;
  private final Clock clock;

  /** A store rooted at {@code root} (created if missing). */
  public LocalDirectoryObjectStore(Path root) {
    this(root, Clock.systemUTC());
  }

  /** A store rooted at {@code root} using {@code clock} for update times and generations. */
  public LocalDirectoryObjectStore(Path root, Clock clock) {
    this.root = root.toAbsolutePath().normalize();
    this.clock = clock;
    try {
      Files.createDirectories(this.root.resolve(META_DIR));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create object store root " + this.root, e);
    }
  }

  /** Sidecar content: everything but the bytes. */
  record Meta(
      long generation,
      long size,
      String crc32c,
      String md5,
      String contentType,
      long updatedEpochMicros) {}

  @Override
  public ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
    requireObject(uri);
    Path tmp = null;
    try {
      tmp = stagingFileFor(dataPath(uri));
      CRC32C crc = new CRC32C();
      MessageDigest md5 = md5();
      long size = 0;
      try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW)) {
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = content.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
          crc.update(buffer, 0, n);
          md5.update(buffer, 0, n);
          size += n;
        }
      }
      try (LocalLocks.Held lock = LocalLocks.acquire(lockFile(uri))) {
        Optional<Meta> current = readMeta(uri);
        check(uri, condition, current);
        long generation = nextGeneration(current);
        Path data = dataPath(uri);
        Files.createDirectories(data.getParent());
        AtomicFiles.move(tmp, data);
        Meta meta =
            new Meta(
                generation,
                size,
                crc32c(crc.getValue()),
                Base64.getEncoder().encodeToString(md5.digest()),
                contentType,
                generation);
        AtomicFiles.write(metaPath(uri), Json.MAPPER.writeValueAsBytes(meta));
        return toMetadata(uri, meta);
      }
    } catch (FileAlreadyExistsException | NotDirectoryException e) {
      throw PlatformException.conflict(
          "pathConflict", uri + " clashes with an existing object or prefix: " + e.getMessage());
    } catch (IOException e) {
      throw io("write " + uri, e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  @Override
  public ObjectRead read(ObjectUri uri) {
    requireObject(uri);
    try (LocalLocks.Held lock = LocalLocks.acquire(lockFile(uri))) {
      Meta meta = readMeta(uri).orElseThrow(() -> PlatformException.notFound(uri.toString()));
      // The open channel keeps reading this version even if a later write renames over it.
      FileChannel channel = FileChannel.open(dataPath(uri), StandardOpenOption.READ);
      return new ObjectRead(toMetadata(uri, meta), Channels.newInputStream(channel));
    } catch (NoSuchFileException e) {
      throw PlatformException.notFound(uri.toString());
    } catch (IOException e) {
      throw io("read " + uri, e);
    }
  }

  @Override
  public Optional<ObjectMetadata> stat(ObjectUri uri) {
    requireObject(uri);
    try {
      return readMeta(uri).map(m -> toMetadata(uri, m));
    } catch (IOException e) {
      throw io("stat " + uri, e);
    }
  }

  @Override
  public Page<ObjectMetadata> list(ObjectUri prefix, int pageSize, String pageToken) {
    if (pageSize <= 0) {
      throw PlatformException.invalid("pageSize must be positive");
    }
    Path metaBucket = root.resolve(META_DIR).resolve("objects").resolve(prefix.bucket());
    String name = prefix.name();
    int lastSlash = name.lastIndexOf('/');
    Path start = lastSlash < 0 ? metaBucket : metaBucket.resolve(name.substring(0, lastSlash));
    if (!Files.isDirectory(start)) {
      return new Page<>(List.of(), null);
    }
    List<String> names;
    try (Stream<Path> walk = Files.walk(start)) {
      names =
          walk.filter(p -> p.getFileName().toString().endsWith(".json"))
              .filter(Files::isRegularFile)
              .map(p -> metaBucket.relativize(p).toString().replace('\\', '/'))
              .map(s -> s.substring(0, s.length() - ".json".length()))
              .filter(s -> s.startsWith(name))
              .filter(s -> pageToken == null || s.compareTo(pageToken) > 0)
              .sorted()
              .limit(pageSize + 1L)
              .toList();
    } catch (IOException e) {
      throw io("list " + prefix, e);
    }
    List<ObjectMetadata> items = new ArrayList<>();
    for (String objectName : names.subList(0, Math.min(pageSize, names.size()))) {
      stat(new ObjectUri(prefix.bucket(), objectName)).ifPresent(items::add);
    }
    String next = names.size() > pageSize ? names.get(pageSize - 1) : null;
    return new Page<>(items, next);
  }

  /**
   * With {@code /} as delimiter, one directory of the metadata tree is read (a sub-directory is a
   * prefix when some object lives below it, since emptied directories stay behind); other
   * delimiters scan, as the port's default does.
   */
  @Override
  public ObjectListing list(ObjectUri prefix, String delimiter, int pageSize, String pageToken) {
    if (!"/".equals(delimiter) || pageSize <= 0) {
      return ObjectStore.super.list(prefix, delimiter, pageSize, pageToken);
    }
    Path metaBucket = root.resolve(META_DIR).resolve("objects").resolve(prefix.bucket());
    String name = prefix.name();
    int lastSlash = name.lastIndexOf('/');
    String parent = lastSlash < 0 ? "" : name.substring(0, lastSlash + 1);
    Path dir = parent.isEmpty() ? metaBucket : metaBucket.resolve(parent);
    if (!Files.isDirectory(dir)) {
      return new ObjectListing(List.of(), List.of(), null);
    }
    // Entry name -> true for a prefix, false for an object.
    TreeMap<String, Boolean> entries = new TreeMap<>();
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : children.toList()) {
        String file = child.getFileName().toString();
        if (Files.isDirectory(child)) {
          String entry = parent + file + "/";
          if (entry.startsWith(name) && holdsAnObject(child)) {
            entries.put(entry, true);
          }
        } else if (file.endsWith(".json")) {
          String entry = parent + file.substring(0, file.length() - ".json".length());
          if (entry.startsWith(name)) {
            entries.put(entry, false);
          }
        }
      }
    } catch (IOException e) {
      throw io("list " + prefix, e);
    }
    List<ObjectMetadata> objects = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    var page =
        pageToken == null ? entries.entrySet() : entries.tailMap(pageToken, false).entrySet();
    String last = null;
    for (var entry : page) {
      if (objects.size() + prefixes.size() == pageSize) {
        return new ObjectListing(objects, prefixes, last);
      }
      if (entry.getValue()) {
        prefixes.add(entry.getKey());
      } else {
        stat(new ObjectUri(prefix.bucket(), entry.getKey())).ifPresent(objects::add);
      }
      last = entry.getKey();
    }
    return new ObjectListing(objects, prefixes, null);
  }

  private static boolean holdsAnObject(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.anyMatch(
          p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p));
    }
  }

  @Override
  public ObjectMetadata copy(ObjectUri source, ObjectUri target) {
    return copy(source, target, WriteCondition.none());
  }

  /**
   * A server-side copy, as GCS's rewrite: the bytes are copied file to file by the kernel ({@link
   * FileChannel#transferTo}), never through the JVM's heap or a checksum, and the copy keeps the
   * source's stored CRC32C and MD5 (an object's content and its sidecar are only ever replaced
   * together, under the object's lock, so the source's checksums describe the bytes opened here).
   * The copy's size is checked against the source's; the target's precondition is checked under its
   * lock, as for {@link #write}.
   */
  @Override
  public ObjectMetadata copy(ObjectUri source, ObjectUri target, WriteCondition condition) {
    requireObject(source);
    requireObject(target);
    Path tmp = null;
    try {
      tmp = stagingFileFor(dataPath(target));
      Meta from;
      FileChannel in;
      // Only the source's lock, then only the target's: never both, so no two copies deadlock.
      try (LocalLocks.Held lock = LocalLocks.acquire(lockFile(source))) {
        from = readMeta(source).orElseThrow(() -> PlatformException.notFound(source.toString()));
        // The open channel keeps reading this version even if a later write renames over it.
        in = FileChannel.open(dataPath(source), StandardOpenOption.READ);
      }
      long copied = 0;
      try (in;
          FileChannel out =
              FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long size = in.size();
        while (copied < size) {
          long n = in.transferTo(copied, size - copied, out);
          if (n <= 0) {
            break;
          }
          copied += n;
        }
      }
      if (copied != from.size()) {
        throw new IOException(
            source + " holds " + copied + " bytes, its metadata says " + from.size());
      }
      try (LocalLocks.Held lock = LocalLocks.acquire(lockFile(target))) {
        Optional<Meta> current = readMeta(target);
        check(target, condition, current);
        long generation = nextGeneration(current);
        Path data = dataPath(target);
        Files.createDirectories(data.getParent());
        AtomicFiles.move(tmp, data);
        Meta meta =
            new Meta(generation, copied, from.crc32c(), from.md5(), from.contentType(), generation);
        AtomicFiles.write(metaPath(target), Json.MAPPER.writeValueAsBytes(meta));
        return toMetadata(target, meta);
      }
    } catch (NoSuchFileException e) {
      throw PlatformException.notFound(source.toString());
    } catch (FileAlreadyExistsException | NotDirectoryException e) {
      throw PlatformException.conflict(
          "pathConflict", target + " clashes with an existing object or prefix: " + e.getMessage());
    } catch (IOException e) {
      throw io("copy " + source + " to " + target, e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  @Override
  public boolean delete(ObjectUri uri, WriteCondition condition) {
    requireObject(uri);
    try (LocalLocks.Held lock = LocalLocks.acquire(lockFile(uri))) {
      if (condition instanceof WriteCondition.GenerationMatch) {
        check(uri, condition, readMeta(uri));
      }
      boolean existed = Files.deleteIfExists(metaPath(uri));
      Files.deleteIfExists(dataPath(uri));
      return existed;
    } catch (IOException e) {
      throw io("delete " + uri, e);
    }
  }

  @Override
  public URI downloadUrl(ObjectUri uri, Duration validFor) {
    if (stat(uri).isEmpty()) {
      throw PlatformException.notFound(uri.toString());
    }
    return dataPath(uri).toUri();
  }

  /** The file holding the content of {@code uri} (for tools that need a path). */
  public Path dataPath(ObjectUri uri) {
    Path bucket = root.resolve(uri.bucket());
    Path path = bucket.resolve(uri.name()).normalize();
    if (!path.startsWith(bucket)) {
      throw PlatformException.invalid("object name escapes its bucket: " + uri);
    }
    return path;
  }

  /**
   * Where new content for {@code data} is written before it is renamed into place: next to it, so
   * the rename stays within one directory (Linux serialises renames across directories on a file
   * system behind one lock, which made every object write of a busy service queue there). The name
   * starts with a dot and is never listed: listings read the metadata tree.
   */
  private static Path stagingFileFor(Path data) throws IOException {
    Files.createDirectories(data.getParent());
    return data.resolveSibling(".mlcp-tmp-" + data.getFileName() + "." + UUID.randomUUID());
  }

  private Path metaPath(ObjectUri uri) {
    return root.resolve(META_DIR)
        .resolve("objects")
        .resolve(uri.bucket())
        .resolve(uri.name() + ".json");
  }

  private Path lockFile(ObjectUri uri) {
    int stripe = Math.floorMod(uri.name().hashCode(), LOCK_STRIPES);
    return root.resolve(META_DIR).resolve("locks").resolve(uri.bucket()).resolve(stripe + ".lock");
  }

  private Optional<Meta> readMeta(ObjectUri uri) throws IOException {
    try {
      return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(metaPath(uri)), Meta.class));
    } catch (NoSuchFileException | NotDirectoryException e) {
      return Optional.empty();
    }
  }

  private static void check(ObjectUri uri, WriteCondition condition, Optional<Meta> current) {
    if (condition instanceof WriteCondition.GenerationMatch match) {
      long actual = current.map(Meta::generation).orElse(0L);
      if (actual != match.generation()) {
        throw PlatformException.conflict(
            "conditionNotMet",
            match.generation() == 0
                ? uri + " already exists (generation " + actual + ")"
                : uri
                    + " is at generation "
                    + actual
                    + ", expected "
                    + match.generation()
                    + "; re-read and retry");
      }
    }
  }

  private long nextGeneration(Optional<Meta> current) {
    Instant now = clock.instant();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    return Math.max(micros, current.map(Meta::generation).orElse(0L) + 1);
  }

  private static ObjectMetadata toMetadata(ObjectUri uri, Meta meta) {
    long micros = meta.updatedEpochMicros();
    return new ObjectMetadata(
        uri,
        meta.size(),
        meta.generation(),
        meta.crc32c(),
        meta.md5(),
        meta.contentType(),
        Instant.ofEpochSecond(micros / 1_000_000L, (micros % 1_000_000L) * 1_000L));
  }

  private static void requireObject(ObjectUri uri) {
    if (uri.name().isEmpty() || uri.name().endsWith("/")) {
      throw PlatformException.invalid("not an object name: " + uri);
    }
  }

  private static String crc32c(long value) {
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) value).array());
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required by the Java platform", e);
    }
  }

  private static void deleteQuietly(Path path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // A leftover temp file is harmless.
    }
  }

  private static PlatformException io(String what, IOException e) {
    return new PlatformException(
        PlatformException.Kind.TRANSIENT, "ioError", "cannot " + what + ": " + e.getMessage(), e);
  }
}
