package dev.mlcp.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Documents of one kind as JSON objects ({@code <root>/<kind>/<id>.json}), changed only by
 * compare-and-set on the object generation, with secondary {@link Index}es and an outbox.
 *
 * <ul>
 *   <li>{@link #update}: read, apply a pure change, write if the generation still matches, else
 *       re-read and apply again. Of two replicas making the same transition exactly one write wins;
 *       {@link Change#changed()} tells the caller whether it owns the side effects.
 *   <li>Indexes: before a write, an entry object is created for every key the new version gains;
 *       after it, entries for keys it lost are deleted, each only at the generation seen before the
 *       write (so a concurrent transition that re-created the entry keeps it). Readers skip entries
 *       whose document no longer has the key. Entries sort newest document first.
 *   <li>The built-in {@value #OUTBOX_INDEX} index lists documents with unpublished events, so a
 *       relay finds them without reading every document.
 * </ul>
 *
 * @param <D> the document type
 */
public final class DocumentStore<D extends Document<D>> {
  /** The index of documents whose outbox is not empty (key {@value #PENDING}). */
  public static final String OUTBOX_INDEX = "outbox";

  static final String PENDING = "pending";
  private static final int MAX_CAS_ATTEMPTS = 20;
  private static final int MAX_KEY_CHARS = 200;
  private static final ExecutorService READERS =
      Executors.newFixedThreadPool(
          16,
          r -> {
            Thread t = new Thread(r, "mlcp-state-read");
            t.setDaemon(true);
            return t;
          });

  private final ObjectStore store;
  private final ObjectUri root;
  private final String kind;
  private final Class<D> type;
  private final ObjectMapper json;
  private final Map<String, Index<D>> indexes = new LinkedHashMap<>();
  private final PageTokens tokens;

  /**
   * @param store where documents live
   * @param root the service's state prefix, e.g. {@code gs://state/training-runner}
   * @param kind the document kind, a path segment (e.g. {@code runs})
   * @param type the document class (a Jackson-readable record)
   * @param json the mapper (with java.time support)
   * @param indexes the secondary indexes, besides the outbox index
   */
  public DocumentStore(
      ObjectStore store,
      ObjectUri root,
      String kind,
      Class<D> type,
      ObjectMapper json,
      List<Index<D>> indexes) {
    if (!kind.matches("[a-z0-9-]{1,40}")) {
      throw new IllegalArgumentException("kind must match [a-z0-9-]{1,40}: " + kind);
    }
    this.store = store;
    this.root = root;
    this.kind = kind;
    this.type = type;
    this.json = json;
    for (Index<D> index : indexes) {
      if (this.indexes.put(index.name(), index) != null || index.name().equals(OUTBOX_INDEX)) {
        throw new IllegalArgumentException("duplicate or reserved index name " + index.name());
      }
    }
    this.indexes.put(
        OUTBOX_INDEX, Index.single(OUTBOX_INDEX, d -> d.outbox().isEmpty() ? null : PENDING));
    this.tokens = new PageTokens(store, root.resolve(kind + ".idx/.page-token-key"));
  }

  /** The document, if it exists. */
  public Optional<D> find(String id) {
    return read(id).map(Versioned::document);
  }

  /** The document with its generation, if it exists. */
  public Optional<Versioned<D>> read(String id) {
    return readAt(documentUri(id));
  }

  /**
   * Stores a new document: its index entries first, then the document, which must not exist yet.
   *
   * @throws PlatformException CONFLICT when a document with this id exists
   */
  public D create(D document) {
    for (Index<D> index : indexes.values()) {
      for (String key : index.keys().apply(document)) {
        writeEntry(index.name(), key, document);
      }
    }
    write(documentUri(document.id()), document, WriteCondition.doesNotExist());
    return document;
  }

  /**
   * Applies {@code change} to the current document until the write wins. {@code change} may run
   * several times and must be a pure function of its argument; returning the argument itself means
   * "nothing to do" and writes nothing.
   *
   * @return empty when there is no such document
   * @throws PlatformException TRANSIENT after {@value #MAX_CAS_ATTEMPTS} lost races
   */
  public Optional<Change<D>> update(String id, UnaryOperator<D> change) {
    for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      Optional<Versioned<D>> current = read(id);
      if (current.isEmpty()) {
        return Optional.empty();
      }
      D before = current.get().document();
      D after = change.apply(before);
      if (after == before) {
        return Optional.of(new Change<>(before, before));
      }
      if (!after.id().equals(id)) {
        throw new IllegalStateException("a change must keep the document id " + id);
      }
      List<ObjectMetadata> stale = new ArrayList<>();
      for (Index<D> index : indexes.values()) {
        Set<String> was = index.keys().apply(before);
        Set<String> will = index.keys().apply(after);
        for (String key : will) {
          if (!was.contains(key)) {
            writeEntry(index.name(), key, after);
          }
        }
        for (String key : was) {
          if (!will.contains(key)) {
            store.stat(entryUri(index.name(), key, before)).ifPresent(stale::add);
          }
        }
      }
      try {
        write(documentUri(id), after, WriteCondition.generationMatch(current.get().generation()));
      } catch (PlatformException e) {
        if (e.kind() == PlatformException.Kind.CONFLICT) {
          continue; // another replica changed it in between: re-read and apply again
        }
        throw e;
      }
      stale.forEach(this::deleteEntry);
      return Optional.of(new Change<>(before, after));
    }
    throw new PlatformException(
        PlatformException.Kind.TRANSIENT,
        "contention",
        kind + " " + id + " changed " + MAX_CAS_ATTEMPTS + " times while being updated; retry");
  }

  /**
   * One page of the documents listed under {@code key} in {@code index}, newest first. Pages are
   * full unless the listing ended; stale entries are skipped. Reads are proportional to the page
   * size, not to the number of documents.
   *
   * @param pageToken null for the first page, else the previous page's token
   * @throws InvalidPageTokenException when the token was not issued for this listing
   */
  public Page<D> list(String index, String key, int pageSize, String pageToken) {
    return list(index, key, d -> true, pageSize, pageToken, Integer.MAX_VALUE);
  }

  /**
   * As {@link #list(String, String, int, String)}, keeping only documents that pass {@code filter}
   * (a condition no index serves, e.g. a label). At most {@code maxScanned} entries are read per
   * call, so a selective filter cannot make one request read everything: the page may then be
   * short, with a token to continue.
   *
   * @param filterScope identifies the filter in the page token, so a token is not reused with
   *     another filter ("" for none)
   */
  public Page<D> list(
      String index,
      String key,
      java.util.function.Predicate<D> filter,
      int pageSize,
      String pageToken,
      int maxScanned) {
    return list(index, key, filter, "", pageSize, pageToken, maxScanned);
  }

  /** See {@link #list(String, String, java.util.function.Predicate, int, String, int)}. */
  public Page<D> list(
      String index,
      String key,
      java.util.function.Predicate<D> filter,
      String filterScope,
      int pageSize,
      String pageToken,
      int maxScanned) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be positive");
    }
    Index<D> idx = index(index);
    String scope = kind + "/" + index + "/" + key + "/" + filterScope;
    String cursor = pageToken == null ? null : tokens.open(pageToken, scope);
    ObjectUri prefix = prefix(index, key);
    List<D> found = new ArrayList<>();
    int scanned = 0;
    do {
      int want = Math.min(pageSize - found.size(), Math.max(1, maxScanned - scanned));
      Page<ObjectMetadata> entries = store.list(prefix, want, cursor);
      scanned += entries.items().size();
      Map<String, D> documents = new HashMap<>();
      for (D document : readAll(entries.items().stream().map(this::idOf).distinct().toList())) {
        documents.put(document.id(), document);
      }
      for (ObjectMetadata entry : entries.items()) {
        D document = documents.get(idOf(entry));
        // Stale: the document left the key, or the entry is another creation time's (a create
        // that failed before its document was written, retried later under the same id).
        if (document != null
            && entry.uri().equals(entryUri(index, key, document))
            && idx.keys().apply(document).contains(key)
            && filter.test(document)) {
          found.add(document);
        }
      }
      cursor = entries.nextPageToken();
    } while (found.size() < pageSize && cursor != null && scanned < maxScanned);
    return new Page<>(found, cursor == null ? null : tokens.issue(scope, cursor));
  }

  /**
   * One index entry: a document listed under a key.
   *
   * @param id the document id
   * @param object the entry object (its generation and update time)
   */
  public record Entry(String id, ObjectMetadata object) {}

  /** Ids of every document listed under {@code key} in {@code index} (entries may be stale). */
  public Stream<String> ids(String index, String key) {
    return entries(index, key).map(Entry::id).distinct();
  }

  /** Every entry under {@code key} in {@code index}, newest document first. */
  public Stream<Entry> entries(String index, String key) {
    index(index);
    return store.listAll(prefix(index, key)).map(m -> new Entry(idOf(m), m));
  }

  /**
   * Deletes {@code entry} if its document no longer has the key and the entry is older than {@code
   * minAge}: a transition writes its entries just before its document, so a young entry may belong
   * to a write still in progress.
   *
   * @return whether the entry was deleted
   */
  public boolean prune(String index, String key, Entry entry, java.time.Duration minAge) {
    if (entry.object().updated() != null
        && entry.object().updated().isAfter(java.time.Instant.now().minus(minAge))) {
      return false;
    }
    Optional<D> document = find(entry.id());
    if (document.isPresent() && index(index).keys().apply(document.get()).contains(key)) {
      return false;
    }
    deleteEntry(entry.object());
    return true;
  }

  /** Reads documents in parallel, in the given order, skipping ids that have no document. */
  public List<D> readAll(List<String> ids) {
    List<CompletableFuture<Optional<D>>> reads = new ArrayList<>();
    for (String id : ids) {
      reads.add(CompletableFuture.supplyAsync(() -> find(id), READERS));
    }
    List<D> documents = new ArrayList<>();
    try {
      for (CompletableFuture<Optional<D>> read : reads) {
        read.join().ifPresent(documents::add);
      }
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    return documents;
  }

  /** Names of the configured indexes, the outbox index included. */
  public Set<String> indexNames() {
    return new HashSet<>(indexes.keySet());
  }

  private Index<D> index(String name) {
    Index<D> index = indexes.get(name);
    if (index == null) {
      throw new IllegalArgumentException("no index " + name + " on " + kind);
    }
    return index;
  }

  private String idOf(ObjectMetadata entry) {
    String name = entry.uri().name();
    String last = name.substring(name.lastIndexOf('/') + 1);
    return last.substring(last.indexOf('_') + 1);
  }

  private ObjectUri documentUri(String id) {
    if (id == null || id.isEmpty() || id.contains("/") || id.length() > 200) {
      throw new IllegalArgumentException("not a document id: " + id);
    }
    return root.resolve(kind + "/" + id + ".json");
  }

  private ObjectUri prefix(String index, String key) {
    return root.resolve(kind + ".idx/" + index + "/" + encode(key) + "/");
  }

  private ObjectUri entryUri(String index, String key, D document) {
    long newestFirst = Long.MAX_VALUE - document.createdAt().toEpochMilli();
    return root.resolve(
        kind
            + ".idx/"
            + index
            + "/"
            + encode(key)
            + "/"
            + String.format("%019d", newestFirst)
            + "_"
            + document.id());
  }

  private void writeEntry(String index, String key, D document) {
    store.write(
        entryUri(index, key, document),
        document.id().getBytes(StandardCharsets.UTF_8),
        "text/plain",
        WriteCondition.none());
  }

  private void deleteEntry(ObjectMetadata seen) {
    try {
      store.delete(seen.uri(), WriteCondition.generationMatch(seen.generation()));
    } catch (PlatformException e) {
      // CONFLICT: a later transition re-created the entry, which must stay. NOT_FOUND: gone.
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.NOT_FOUND) {
        throw e;
      }
    }
  }

  private Optional<Versioned<D>> readAt(ObjectUri uri) {
    try (ObjectRead read = store.read(uri)) {
      D document = json.readValue(read.readAllBytes(), type);
      return Optional.of(new Versioned<>(document, read.metadata().generation()));
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri, e);
    }
  }

  private void write(ObjectUri uri, D document, WriteCondition condition) {
    try {
      store.write(uri, json.writeValueAsBytes(document), "application/json", condition);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A key as one path segment: readable for emails and states, hashed when very long. */
  static String encode(String key) {
    String encoded = URLEncoder.encode(key, StandardCharsets.UTF_8);
    if (encoded.length() <= MAX_KEY_CHARS && !encoded.startsWith(".")) {
      return encoded;
    }
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(key.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
