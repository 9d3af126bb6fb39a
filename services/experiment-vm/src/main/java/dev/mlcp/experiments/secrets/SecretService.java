package dev.mlcp.experiments.secrets;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.platform.Page;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.GceNames;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.secrets.AccessedSecret;
import dev.mlcp.platform.secrets.SecretAccess;
import dev.mlcp.platform.secrets.SecretInfo;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.Secrets;
import dev.mlcp.state.DocumentStore;
import dev.mlcp.state.Index;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Secrets for experimentation (third-party API keys) under the one rule training runs use too
 * ({@link SecretAccess}): a value goes to the secret's owner, its listed readers and admins; only
 * the owner and admins add versions or change readers. Everyone may list names, labels, owners and
 * readers, never values. Every use is audited ({@link SecretAuditRecord}: who, when, what, which
 * version, allowed or not) before a value leaves; values never reach logs, events, errors or state
 * files other than the secret store.
 */
public class SecretService {
  private static final Logger LOG = Logger.getLogger(SecretService.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");
  private static final Pattern VERSION = Pattern.compile("latest|[1-9][0-9]{0,9}");
  private static final Pattern EMAIL =
      Pattern.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,63}");

  /** The audit's index of records by secret. */
  static final String BY_SECRET = "secret";

  /**
   * Limits.
   *
   * @param maxValueBytes largest value
   * @param maxReaders most readers per secret
   */
  public record Limits(int maxValueBytes, int maxReaders) {}

  /**
   * A secret as a caller sees it: never the value.
   *
   * @param info name, labels, annotations, creation time
   * @param owner the owner's email (null for a secret made outside mlcp)
   * @param readers the readers' emails
   * @param mayRead whether the caller may read its value
   */
  public record Described(SecretInfo info, String owner, Set<String> readers, boolean mayRead) {}

  private final Secrets secrets;
  private final DocumentStore<SecretAuditRecord> audit;
  private final IdGenerator ids;
  private final Clock clock;
  private final Limits limits;

  public SecretService(
      Secrets secrets,
      ObjectStore store,
      ObjectUri stateRoot,
      ObjectMapper json,
      IdGenerator ids,
      Clock clock,
      Limits limits) {
    this.secrets = secrets;
    this.audit =
        new DocumentStore<>(
            store,
            stateRoot,
            "secret-audit",
            SecretAuditRecord.class,
            json,
            List.of(Index.single(BY_SECRET, SecretAuditRecord::secret)));
    this.ids = ids;
    this.clock = clock;
    this.limits = limits;
  }

  /** Every secret, sorted by name, with whether {@code caller} may read it. */
  public List<Described> list(String caller, boolean admin) {
    return secrets.list().stream().map(s -> describe(s, caller, admin)).toList();
  }

  /** One secret, if it exists. */
  public Optional<Described> get(String name, String caller, boolean admin) {
    requireName(name);
    return secrets.get(name).map(s -> describe(s, caller, admin));
  }

  /**
   * Creates a secret owned by {@code owner} with its first value.
   *
   * @throws InvalidSecretException for a bad name, label, reader or value
   * @throws PlatformException ALREADY_EXISTS when it exists
   */
  public Described create(
      String owner,
      String name,
      Map<String, String> labels,
      Set<String> readers,
      SecretValue value) {
    requireName(name);
    if (labels != null) {
      if (labels.size() > GceNames.MAX_LABELS) {
        throw new InvalidSecretException("labels", "at most " + GceNames.MAX_LABELS + " labels");
      }
      labels.forEach(
          (k, v) -> {
            if (!GceNames.isValidLabelKey(k) || !GceNames.isValidLabelValue(v)) {
              throw new InvalidSecretException(
                  "labels." + k, "keys and values must follow Compute Engine label rules");
            }
          });
    }
    Set<String> who = readers(readers);
    requireValue(value);
    SecretInfo info =
        secrets.create(
            name, labels == null ? Map.of() : labels, SecretAccess.annotations(owner, who));
    String version = secrets.addVersion(name, value);
    record(
        name, owner, SecretAuditRecord.Action.CREATE, version, SecretAuditRecord.Outcome.GRANTED);
    LOG.infof("secret %s created by %s (version %s, %d readers)", name, owner, version, who.size());
    return describe(secrets.get(name).orElse(info), owner, false);
  }

  /**
   * Adds a version: the owner and admins only.
   *
   * @return the new version number
   */
  public String addVersion(String caller, boolean admin, String name, SecretValue value) {
    requireName(name);
    requireValue(value);
    SecretInfo info = writable(caller, admin, name, SecretAuditRecord.Action.ADD_VERSION);
    String version = secrets.addVersion(info.name(), value);
    record(
        name,
        caller,
        SecretAuditRecord.Action.ADD_VERSION,
        version,
        SecretAuditRecord.Outcome.GRANTED);
    LOG.infof("secret %s: version %s added by %s", name, version, caller);
    return version;
  }

  /**
   * The value of {@code version} ({@code latest} by default) for the owner, a reader or an admin,
   * audited before it is returned. The caller closes it.
   *
   * @throws SecretNotAllowedException when the rule refuses (or there is no such secret)
   */
  public AccessedSecret access(String caller, boolean admin, String name, String version) {
    requireName(name);
    String v = version == null ? Secrets.LATEST : version;
    if (!VERSION.matcher(v).matches()) {
      throw new InvalidSecretException("version", "must be latest or a version number");
    }
    Optional<SecretInfo> info = secrets.get(name);
    if (info.isEmpty() || !SecretAccess.mayRead(info.get(), caller, admin)) {
      record(name, caller, SecretAuditRecord.Action.ACCESS, v, SecretAuditRecord.Outcome.DENIED);
      LOG.infof("secret %s: access by %s denied", name, caller);
      throw new SecretNotAllowedException(
          "secret '"
              + name
              + "' does not exist or "
              + caller
              + " may not read it: a secret is readable by its owner, its listed readers and"
              + " admins");
    }
    AccessedSecret accessed = secrets.accessVersion(name, v);
    try {
      record(
          name,
          caller,
          SecretAuditRecord.Action.ACCESS,
          accessed.version(),
          SecretAuditRecord.Outcome.GRANTED);
    } catch (RuntimeException e) {
      accessed.close();
      throw e;
    }
    LOG.infof("secret %s: version %s read by %s", name, accessed.version(), caller);
    return accessed;
  }

  /** Replaces the readers: the owner and admins only. */
  public Described setReaders(String caller, boolean admin, String name, Set<String> readers) {
    requireName(name);
    Set<String> who = readers(readers);
    SecretInfo info = writable(caller, admin, name, SecretAuditRecord.Action.SET_READERS);
    String owner = SecretAccess.owner(info);
    Map<String, String> annotations = new LinkedHashMap<>(info.annotations());
    annotations.remove(SecretAccess.READERS);
    annotations.putAll(SecretAccess.annotations(owner == null ? caller : owner, who));
    SecretInfo updated = secrets.setAnnotations(name, annotations);
    record(
        name,
        caller,
        SecretAuditRecord.Action.SET_READERS,
        null,
        SecretAuditRecord.Outcome.GRANTED);
    LOG.infof("secret %s: readers set by %s (%d readers)", name, caller, who.size());
    return describe(updated, caller, admin);
  }

  /**
   * One page of the secret's audit, newest first: the owner and admins only.
   *
   * @throws dev.mlcp.state.InvalidPageTokenException for a token not issued for this listing
   */
  public Page<SecretAuditRecord> accesses(
      String caller, boolean admin, String name, int pageSize, String pageToken) {
    requireName(name);
    Optional<SecretInfo> info = secrets.get(name);
    if (info.isEmpty() || !(admin || caller.equals(SecretAccess.owner(info.get())))) {
      throw new SecretNotAllowedException(
          "only the owner of secret '" + name + "' and admins may read its audit");
    }
    return audit.list(BY_SECRET, name, pageSize, pageToken);
  }

  private SecretInfo writable(
      String caller, boolean admin, String name, SecretAuditRecord.Action action) {
    Optional<SecretInfo> info = secrets.get(name);
    if (info.isEmpty() || !(admin || caller.equals(SecretAccess.owner(info.get())))) {
      record(name, caller, action, null, SecretAuditRecord.Outcome.DENIED);
      throw new SecretNotAllowedException(
          "secret '"
              + name
              + "' does not exist or "
              + caller
              + " may not change it: only its owner and admins may");
    }
    return info.get();
  }

  private void record(
      String secret,
      String actor,
      SecretAuditRecord.Action action,
      String version,
      SecretAuditRecord.Outcome outcome) {
    audit.create(
        new SecretAuditRecord(
            ids.prefixed("sa").toLowerCase(Locale.ROOT),
            secret,
            actor,
            action,
            version,
            outcome,
            clock.instant(),
            null));
  }

  private Described describe(SecretInfo info, String caller, boolean admin) {
    return new Described(
        info,
        SecretAccess.owner(info),
        SecretAccess.readers(info),
        SecretAccess.mayRead(info, caller, admin));
  }

  private Set<String> readers(Set<String> readers) {
    Set<String> who = new TreeSet<>();
    if (readers == null) {
      return who;
    }
    if (readers.size() > limits.maxReaders()) {
      throw new InvalidSecretException("readers", "at most " + limits.maxReaders() + " readers");
    }
    for (String reader : readers) {
      if (reader == null || !EMAIL.matcher(reader.trim()).matches()) {
        throw new InvalidSecretException("readers", "each reader must be an email address");
      }
      who.add(reader.trim().toLowerCase(Locale.ROOT));
    }
    // Secret Manager annotations hold at most 16 KiB in all.
    if (String.join(",", who).length() > 8192) {
      throw new InvalidSecretException("readers", "too long in all");
    }
    return who;
  }

  private void requireValue(SecretValue value) {
    if (value == null || value.length() == 0) {
      throw new InvalidSecretException("value", "is required");
    }
    if (value.length() > limits.maxValueBytes()) {
      throw new InvalidSecretException(
          "value", "is larger than " + limits.maxValueBytes() + " bytes");
    }
  }

  private static void requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidSecretException(
          "name", "must be 1-255 letters, digits, underscores and hyphens");
    }
  }
}
