package dev.mlcp.platform.secrets.gcp;

import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.AddSecretVersionRequest;
import com.google.cloud.secretmanager.v1.CreateSecretRequest;
import com.google.cloud.secretmanager.v1.DestroySecretVersionRequest;
import com.google.cloud.secretmanager.v1.DisableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.GetSecretRequest;
import com.google.cloud.secretmanager.v1.ListSecretsRequest;
import com.google.cloud.secretmanager.v1.ListSecretsResponse;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.cloud.secretmanager.v1.UpdateSecretRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.mlcp.platform.gcp.InProcessGrpc;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * Secret Manager's semantics for the calls the adapter makes, served over in-process gRPC: secrets
 * with labels, numbered versions, {@code latest}, DISABLED/DESTROYED states with
 * FAILED_PRECONDITION on access, ALREADY_EXISTS, NOT_FOUND, paged listing, CRC32C checks. {@link
 * #failNextAccesses} injects UNAVAILABLE answers.
 */
final class FakeSecretManager {

  static final String SERVICE = "google.cloud.secretmanager.v1.SecretManagerService";

  private record Version(SecretVersion.State state, ByteString data) {}

  private record Stored(Secret secret, List<Version> versions) {}

  private final Map<String, Stored> secrets = new TreeMap<>();
  final AtomicInteger failNextAccesses = new AtomicInteger();
  final AtomicInteger accessCalls = new AtomicInteger();

  InProcessGrpc server() {
    return new InProcessGrpc(SERVICE)
        .unary(
            SERVICE,
            "CreateSecret",
            CreateSecretRequest.getDefaultInstance(),
            Secret.getDefaultInstance(),
            this::create)
        .unary(
            SERVICE,
            "ListSecrets",
            ListSecretsRequest.getDefaultInstance(),
            ListSecretsResponse.getDefaultInstance(),
            this::list)
        .unary(
            SERVICE,
            "AddSecretVersion",
            AddSecretVersionRequest.getDefaultInstance(),
            SecretVersion.getDefaultInstance(),
            this::add)
        .unary(
            SERVICE,
            "GetSecret",
            GetSecretRequest.getDefaultInstance(),
            Secret.getDefaultInstance(),
            r -> secret(r.getName()).secret())
        .unary(
            SERVICE,
            "UpdateSecret",
            UpdateSecretRequest.getDefaultInstance(),
            Secret.getDefaultInstance(),
            this::update)
        .unary(
            SERVICE,
            "AccessSecretVersion",
            AccessSecretVersionRequest.getDefaultInstance(),
            AccessSecretVersionResponse.getDefaultInstance(),
            this::access)
        .unary(
            SERVICE,
            "DisableSecretVersion",
            DisableSecretVersionRequest.getDefaultInstance(),
            SecretVersion.getDefaultInstance(),
            r -> setState(r.getName(), SecretVersion.State.DISABLED))
        .unary(
            SERVICE,
            "DestroySecretVersion",
            DestroySecretVersionRequest.getDefaultInstance(),
            SecretVersion.getDefaultInstance(),
            r -> setState(r.getName(), SecretVersion.State.DESTROYED))
        .start();
  }

  private synchronized Secret create(CreateSecretRequest r) {
    String name = r.getParent() + "/secrets/" + r.getSecretId();
    if (secrets.containsKey(name)) {
      throw Status.ALREADY_EXISTS
          .withDescription("Secret [" + name + "] already exists.")
          .asRuntimeException();
    }
    if (!r.getSecret().hasReplication()) {
      throw Status.INVALID_ARGUMENT.withDescription("replication is required").asRuntimeException();
    }
    Secret secret =
        r.getSecret().toBuilder()
            .setName(name)
            .setCreateTime(Timestamp.newBuilder().setSeconds(1_767_225_600))
            .build();
    secrets.put(name, new Stored(secret, new ArrayList<>()));
    return secret;
  }

  private synchronized Secret update(UpdateSecretRequest r) {
    Stored stored = secret(r.getSecret().getName());
    if (!r.getUpdateMask().getPathsList().equals(List.of("annotations"))) {
      throw Status.INVALID_ARGUMENT
          .withDescription("only annotations are updatable here")
          .asRuntimeException();
    }
    Secret updated =
        stored.secret().toBuilder()
            .clearAnnotations()
            .putAllAnnotations(r.getSecret().getAnnotationsMap())
            .build();
    secrets.put(updated.getName(), new Stored(updated, stored.versions()));
    return updated;
  }

  private synchronized ListSecretsResponse list(ListSecretsRequest r) {
    int size = r.getPageSize() == 0 ? 25 : r.getPageSize();
    List<Secret> all =
        secrets.values().stream()
            .map(Stored::secret)
            .filter(s -> s.getName().startsWith(r.getParent() + "/"))
            .toList();
    int from = r.getPageToken().isEmpty() ? 0 : Integer.parseInt(r.getPageToken());
    int to = Math.min(all.size(), from + size);
    ListSecretsResponse.Builder out =
        ListSecretsResponse.newBuilder().addAllSecrets(all.subList(from, to));
    if (to < all.size()) {
      out.setNextPageToken(Integer.toString(to));
    }
    return out.build();
  }

  private synchronized SecretVersion add(AddSecretVersionRequest r) {
    Stored stored = secret(r.getParent());
    SecretPayload payload = r.getPayload();
    CRC32C crc = new CRC32C();
    crc.update(payload.getData().toByteArray());
    if (payload.hasDataCrc32C() && payload.getDataCrc32C() != crc.getValue()) {
      throw Status.DATA_LOSS.withDescription("checksum mismatch").asRuntimeException();
    }
    stored.versions().add(new Version(SecretVersion.State.ENABLED, payload.getData()));
    return SecretVersion.newBuilder()
        .setName(r.getParent() + "/versions/" + stored.versions().size())
        .setState(SecretVersion.State.ENABLED)
        .build();
  }

  private synchronized AccessSecretVersionResponse access(AccessSecretVersionRequest r) {
    accessCalls.incrementAndGet();
    if (failNextAccesses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw Status.UNAVAILABLE.withDescription("try again").asRuntimeException();
    }
    int index = resolve(r.getName());
    Stored stored = secret(parent(r.getName()));
    Version version = stored.versions().get(index);
    if (version.state() != SecretVersion.State.ENABLED) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "Secret Version [" + r.getName() + "] is in " + version.state() + " state.")
          .asRuntimeException();
    }
    return AccessSecretVersionResponse.newBuilder()
        .setName(parent(r.getName()) + "/versions/" + (index + 1))
        .setPayload(SecretPayload.newBuilder().setData(version.data()))
        .build();
  }

  private synchronized SecretVersion setState(String name, SecretVersion.State state) {
    int index = resolve(name);
    Stored stored = secret(parent(name));
    Version current = stored.versions().get(index);
    if (current.state() == SecretVersion.State.DESTROYED) {
      throw Status.FAILED_PRECONDITION.withDescription("version is destroyed").asRuntimeException();
    }
    stored
        .versions()
        .set(
            index,
            new Version(
                state, state == SecretVersion.State.DESTROYED ? ByteString.EMPTY : current.data()));
    return SecretVersion.newBuilder().setName(name).setState(state).build();
  }

  private int resolve(String versionName) {
    Stored stored = secret(parent(versionName));
    String id = versionName.substring(versionName.lastIndexOf('/') + 1);
    if (id.equals("latest")) {
      for (int i = stored.versions().size() - 1; i >= 0; i--) {
        if (stored.versions().get(i).state() == SecretVersion.State.ENABLED) {
          return i;
        }
      }
      throw Status.NOT_FOUND.withDescription("no enabled version").asRuntimeException();
    }
    int index = Integer.parseInt(id) - 1;
    if (index < 0 || index >= stored.versions().size()) {
      throw Status.NOT_FOUND
          .withDescription("Secret Version [" + versionName + "] not found.")
          .asRuntimeException();
    }
    return index;
  }

  private Stored secret(String name) {
    Stored stored = secrets.get(name);
    if (stored == null) {
      throw Status.NOT_FOUND
          .withDescription("Secret [" + name + "] not found.")
          .asRuntimeException();
    }
    return stored;
  }

  private static String parent(String versionName) {
    return versionName.substring(0, versionName.indexOf("/versions/"));
  }
}
