package dev.mlcp.platform.objects.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * A local server speaking the subset of the Cloud Storage JSON API the Java client uses for {@link
 * dev.mlcp.platform.objects.ObjectStore}: resumable uploads with {@code ifGenerationMatch} (412
 * when it does not hold, evaluated atomically at finalisation), metadata and ranged media downloads
 * pinned to a generation, paged prefix listings, rewrite and delete. Content goes to files and is
 * streamed both ways, so it can carry objects larger than the heap.
 */
final class FakeGcsServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Meta(
      long generation,
      long size,
      String crc32c,
      String md5,
      String contentType,
      Instant updated,
      Path file) {}

  private static final class Upload {
    final String bucket;
    final String name;
    final String contentType;
    final Long ifGenerationMatch;
    final Path file;
    final CRC32C crc = new CRC32C();
    final MessageDigest md5;
    long received;

    Upload(String bucket, String name, String contentType, Long ifGenerationMatch, Path file)
        throws Exception {
      this.bucket = bucket;
      this.name = name;
      this.contentType = contentType;
      this.ifGenerationMatch = ifGenerationMatch;
      this.file = file;
      this.md5 = MessageDigest.getInstance("MD5");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(12);
  private final Path dir;
  private final Map<String, Meta> objects = new TreeMap<>();
  private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
  private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);

  FakeGcsServer(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String[] seg = ex.getRequestURI().getRawPath().split("/");
      for (int i = 0; i < seg.length; i++) {
        seg[i] = URLDecoder.decode(seg[i], StandardCharsets.UTF_8);
      }
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      String method = ex.getRequestMethod();
      // seg[0] is "" (leading slash)
      if (seg.length >= 6 && seg[1].equals("upload") && seg[2].equals("storage")) {
        if (method.equals("POST")) {
          startUpload(ex, seg[5], q);
        } else if (method.equals("PUT")) {
          continueUpload(ex, q.get("upload_id"));
        } else {
          error(ex, 405, "method", "badRequest");
        }
        return;
      }
      boolean download = seg.length >= 2 && seg[1].equals("download");
      int base = download ? 2 : 1;
      if (seg.length < base + 5 || !seg[base].equals("storage") || !seg[base + 2].equals("b")) {
        error(ex, 404, "no such path", "notFound");
        return;
      }
      String bucket = seg[base + 3];
      if (seg.length == base + 5 && method.equals("GET")) {
        list(ex, bucket, q);
        return;
      }
      String name = seg[base + 5];
      if (seg.length > base + 6
          && (seg[base + 6].equals("rewriteTo") || seg[base + 6].equals("copyTo"))) {
        rewrite(
            ex,
            bucket,
            name,
            seg[base + 8],
            seg[base + 10],
            seg[base + 6].equals("rewriteTo"),
            q.get("ifGenerationMatch"));
        return;
      }
      switch (method) {
        case "GET" -> {
          if (download || "media".equals(q.get("alt"))) {
            media(ex, bucket, name, q);
          } else {
            Meta meta = current(bucket, name, q);
            if (meta == null) {
              error(ex, 404, "No such object: " + bucket + "/" + name, "notFound");
            } else {
              json(ex, 200, object(bucket, name, meta));
            }
          }
        }
        case "DELETE" -> {
          Meta removed;
          boolean preconditionFailed = false;
          synchronized (this) {
            Meta existing = objects.get(bucket + "/" + name);
            String expected = q.get("ifGenerationMatch");
            if (expected != null
                && existing != null
                && Long.parseLong(expected) != existing.generation()) {
              preconditionFailed = true;
              removed = null;
            } else {
              removed = objects.remove(bucket + "/" + name);
            }
          }
          if (preconditionFailed) {
            error(
                ex,
                412,
                "At least one of the pre-conditions you specified did not hold.",
                "conditionNotMet");
          } else if (removed == null) {
            error(ex, 404, "No such object: " + bucket + "/" + name, "notFound");
          } else {
            Files.deleteIfExists(removed.file());
            ex.sendResponseHeaders(204, -1);
          }
        }
        default -> error(ex, 405, "method", "badRequest");
      }
    } catch (Exception e) {
      error(ex, 500, String.valueOf(e), "backendError");
    }
  }

  private synchronized Meta current(String bucket, String name, Map<String, String> q) {
    Meta meta = objects.get(bucket + "/" + name);
    if (meta != null
        && q.containsKey("generation")
        && Long.parseLong(q.get("generation")) != meta.generation()) {
      return null;
    }
    return meta;
  }

  private void startUpload(HttpExchange ex, String bucket, Map<String, String> q) throws Exception {
    if (!"resumable".equals(q.get("uploadType"))) {
      error(ex, 400, "only resumable uploads are supported here", "invalid");
      return;
    }
    JsonNode body;
    try (InputStream in = ex.getRequestBody()) {
      byte[] bytes = in.readAllBytes();
      body = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
    }
    String name = q.getOrDefault("name", body.path("name").asText());
    Long ifGen =
        q.containsKey("ifGenerationMatch") ? Long.parseLong(q.get("ifGenerationMatch")) : null;
    String id = UUID.randomUUID().toString();
    Path file = dir.resolve("upload-" + id);
    Files.createFile(file);
    uploads.put(id, new Upload(bucket, name, body.path("contentType").asText(null), ifGen, file));
    ex.getResponseHeaders()
        .set(
            "Location",
            baseUrl()
                + "/upload/storage/v1/b/"
                + bucket
                + "/o?uploadType=resumable&upload_id="
                + id);
    ex.sendResponseHeaders(200, -1);
  }

  private void continueUpload(HttpExchange ex, String id) throws Exception {
    Upload upload = uploads.get(id);
    if (upload == null) {
      drain(ex);
      error(ex, 404, "no such upload", "notFound");
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Content-Range");
    long total = -1;
    if (range != null && range.startsWith("bytes ")) {
      String totalPart = range.substring(range.indexOf('/') + 1);
      total = totalPart.equals("*") ? -1 : Long.parseLong(totalPart);
    }
    synchronized (upload) {
      try (InputStream in = ex.getRequestBody();
          OutputStream out = Files.newOutputStream(upload.file, StandardOpenOption.APPEND)) {
        byte[] buffer = new byte[256 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
          upload.crc.update(buffer, 0, n);
          upload.md5.update(buffer, 0, n);
          upload.received += n;
        }
      }
      if (total < 0 || upload.received < total) {
        if (upload.received > 0) {
          ex.getResponseHeaders().set("Range", "bytes=0-" + (upload.received - 1));
        }
        ex.sendResponseHeaders(308, -1);
        return;
      }
      uploads.remove(id);
      Meta meta;
      synchronized (this) {
        Meta existing = objects.get(upload.bucket + "/" + upload.name);
        long actual = existing == null ? 0 : existing.generation();
        if (upload.ifGenerationMatch != null && upload.ifGenerationMatch != actual) {
          Files.deleteIfExists(upload.file);
          error(
              ex,
              412,
              "At least one of the pre-conditions you specified did not hold.",
              "conditionNotMet");
          return;
        }
        long generation = generations.incrementAndGet();
        Path target = dir.resolve("object-" + generation);
        Files.move(upload.file, target, StandardCopyOption.ATOMIC_MOVE);
        meta =
            new Meta(
                generation,
                upload.received,
                Base64.getEncoder()
                    .encodeToString(
                        ByteBuffer.allocate(4).putInt((int) upload.crc.getValue()).array()),
                Base64.getEncoder().encodeToString(upload.md5.digest()),
                upload.contentType,
                Instant.now(),
                target);
        objects.put(upload.bucket + "/" + upload.name, meta);
        if (existing != null) {
          Files.deleteIfExists(existing.file());
        }
      }
      json(ex, 200, object(upload.bucket, upload.name, meta));
    }
  }

  private void media(HttpExchange ex, String bucket, String name, Map<String, String> q)
      throws IOException {
    Meta meta = current(bucket, name, q);
    if (meta == null) {
      error(ex, 404, "No such object: " + bucket + "/" + name, "notFound");
      return;
    }
    long start = 0;
    long end = meta.size() - 1;
    String range = ex.getRequestHeaders().getFirst("Range");
    boolean partial = false;
    if (range != null && range.startsWith("bytes=")) {
      String[] parts = range.substring(6).split("-", -1);
      start = Long.parseLong(parts[0]);
      if (parts.length > 1 && !parts[1].isEmpty()) {
        end = Math.min(end, Long.parseLong(parts[1]));
      }
      partial = true;
    }
    if (start > end && meta.size() > 0) {
      ex.sendResponseHeaders(416, -1);
      return;
    }
    long length = Math.max(0, end - start + 1);
    ex.getResponseHeaders()
        .set(
            "Content-Type",
            meta.contentType() == null ? "application/octet-stream" : meta.contentType());
    ex.getResponseHeaders().set("x-goog-generation", Long.toString(meta.generation()));
    ex.getResponseHeaders().set("x-goog-stored-content-length", Long.toString(meta.size()));
    if (partial) {
      ex.getResponseHeaders()
          .set("Content-Range", "bytes " + start + "-" + end + "/" + meta.size());
    }
    ex.sendResponseHeaders(partial ? 206 : 200, length == 0 ? -1 : length);
    try (InputStream in = Files.newInputStream(meta.file());
        OutputStream out = ex.getResponseBody()) {
      in.skipNBytes(start);
      byte[] buffer = new byte[256 * 1024];
      long left = length;
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    }
  }

  private void list(HttpExchange ex, String bucket, Map<String, String> q) throws IOException {
    String prefix = q.getOrDefault("prefix", "");
    String delimiter = q.get("delimiter");
    int max = Integer.parseInt(q.getOrDefault("maxResults", "1000"));
    String token = q.get("pageToken");
    ObjectNode response = JSON.createObjectNode();
    response.put("kind", "storage#objects");
    var items = response.putArray("items");
    var prefixes = JSON.createArrayNode();
    String last = null;
    boolean more = false;
    synchronized (this) {
      for (Map.Entry<String, Meta> e : objects.entrySet()) {
        if (!e.getKey().startsWith(bucket + "/")) {
          continue;
        }
        String name = e.getKey().substring(bucket.length() + 1);
        if (!name.startsWith(prefix)) {
          continue;
        }
        // With a delimiter, a name below a sub-prefix is that prefix, listed once (GCS's
        // maxResults counts items and prefixes together).
        int at =
            delimiter == null || delimiter.isEmpty()
                ? -1
                : name.indexOf(delimiter, prefix.length());
        String entry = at < 0 ? name : name.substring(0, at + delimiter.length());
        if ((token != null && entry.compareTo(token) <= 0) || entry.equals(last)) {
          continue;
        }
        if (items.size() + prefixes.size() == max) {
          more = true;
          break;
        }
        if (at < 0) {
          items.add(object(bucket, name, e.getValue()));
        } else {
          prefixes.add(entry);
        }
        last = entry;
      }
    }
    if (!prefixes.isEmpty()) {
      response.set("prefixes", prefixes);
    }
    if (more) {
      response.put("nextPageToken", last);
    }
    json(ex, 200, response);
  }

  private void rewrite(
      HttpExchange ex,
      String sb,
      String so,
      String db,
      String dobj,
      boolean rewrite,
      String ifGenerationMatch)
      throws IOException {
    drain(ex);
    Meta meta;
    synchronized (this) {
      Meta src = objects.get(sb + "/" + so);
      if (src == null) {
        error(ex, 404, "No such object: " + sb + "/" + so, "notFound");
        return;
      }
      Meta existing = objects.get(db + "/" + dobj);
      if (ifGenerationMatch != null
          && Long.parseLong(ifGenerationMatch) != (existing == null ? 0 : existing.generation())) {
        error(
            ex,
            412,
            "At least one of the pre-conditions you specified did not hold.",
            "conditionNotMet");
        return;
      }
      long generation = generations.incrementAndGet();
      Path target = dir.resolve("object-" + generation);
      Files.copy(src.file(), target);
      meta =
          new Meta(
              generation,
              src.size(),
              src.crc32c(),
              src.md5(),
              src.contentType(),
              Instant.now(),
              target);
      Meta old = objects.put(db + "/" + dobj, meta);
      if (old != null) {
        Files.deleteIfExists(old.file());
      }
    }
    if (!rewrite) {
      json(ex, 200, object(db, dobj, meta));
      return;
    }
    ObjectNode response = JSON.createObjectNode();
    response.put("kind", "storage#rewriteResponse");
    response.put("totalBytesRewritten", Long.toString(meta.size()));
    response.put("objectSize", Long.toString(meta.size()));
    response.put("done", true);
    response.set("resource", object(db, dobj, meta));
    json(ex, 200, response);
  }

  /**
   * Stores an object without going through HTTP (benchmarks seed hundreds of thousands of objects
   * this way; the API then serves them as if uploaded).
   */
  synchronized void seed(String bucket, String name, byte[] content, String contentType)
      throws IOException {
    long generation = generations.incrementAndGet();
    Path target = dir.resolve("object-" + generation);
    Files.write(target, content);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(content);
    String md5;
    try {
      md5 =
          Base64.getEncoder()
              .encodeToString(java.security.MessageDigest.getInstance("MD5").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Meta old =
        objects.put(
            bucket + "/" + name,
            new Meta(
                generation,
                content.length,
                Base64.getEncoder()
                    .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array()),
                md5,
                contentType,
                Instant.now(),
                target));
    if (old != null) {
      Files.deleteIfExists(old.file());
    }
  }

  private static ObjectNode object(String bucket, String name, Meta meta) {
    ObjectNode o = JSON.createObjectNode();
    o.put("kind", "storage#object");
    o.put("id", bucket + "/" + name + "/" + meta.generation());
    o.put("bucket", bucket);
    o.put("name", name);
    o.put("generation", Long.toString(meta.generation()));
    o.put("metageneration", "1");
    o.put("size", Long.toString(meta.size()));
    o.put("crc32c", meta.crc32c());
    o.put("md5Hash", meta.md5());
    if (meta.contentType() != null) {
      o.put("contentType", meta.contentType());
    }
    o.put("timeCreated", meta.updated().toString());
    o.put("updated", meta.updated().toString());
    return o;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  private static void drain(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    }
  }

  private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  static String errorBody(int code, String message, String reason) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", code);
    error.put("message", message);
    ObjectNode item = error.putArray("errors").addObject();
    item.put("message", message);
    item.put("domain", "global");
    item.put("reason", reason);
    return root.toString();
  }

  private static void error(HttpExchange ex, int status, String message, String reason) {
    try {
      json(ex, status, JSON.readTree(errorBody(status, message, reason)));
    } catch (IOException ignored) {
      // The client has gone; nothing to report to.
    }
  }
}
