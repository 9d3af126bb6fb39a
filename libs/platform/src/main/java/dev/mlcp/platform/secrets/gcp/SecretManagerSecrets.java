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
import com.google.cloud.secretmanager.v1.Replication;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.cloud.secretmanager.v1.UpdateSecretRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.NotFound;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.secrets.AccessedSecret;
import dev.mlcp.platform.secrets.SecretInfo;
import dev.mlcp.platform.secrets.SecretValue;
import dev.mlcp.platform.secrets.Secrets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * {@link Secrets} on Secret Manager. Reads and state changes are retried on transient errors;
 * creating a secret or adding a version is not (a repeat would create a second version). Payloads
 * carry a CRC32C so corruption in transit is rejected by the service.
 */
public final class SecretManagerSecrets implements Secrets {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");

  private final String project;
  private final SecretManagerServiceClient client;
  private final Retrier retrier;

  /**
   * Creates the adapter; it owns (and closes) the client.
   *
   * @param project project id
   * @param client Secret Manager client
   * @param retrier retry policy for idempotent calls
   */
  public SecretManagerSecrets(String project, SecretManagerServiceClient client, Retrier retrier) {
    this.project = project;
    this.client = client;
    this.retrier = retrier;
  }

  @Override
  public List<SecretInfo> list() {
    List<SecretInfo> out = new ArrayList<>();
    String token = "";
    do {
      ListSecretsRequest request =
          ListSecretsRequest.newBuilder()
              .setParent("projects/" + project)
              .setPageSize(250)
              .setPageToken(token)
              .build();
      ListSecretsResponse response =
          retrier.call("list secrets", true, () -> client.listSecretsCallable().call(request));
      for (Secret secret : response.getSecretsList()) {
        out.add(toInfo(secret));
      }
      token = response.getNextPageToken();
    } while (!token.isEmpty());
    out.sort(Comparator.comparing(SecretInfo::name));
    return out;
  }

  @Override
  public SecretInfo create(
      String name, Map<String, String> labels, Map<String, String> annotations) {
    requireName(name);
    CreateSecretRequest request =
        CreateSecretRequest.newBuilder()
            .setParent("projects/" + project)
            .setSecretId(name)
            .setSecret(
                Secret.newBuilder()
                    .setReplication(
                        Replication.newBuilder()
                            .setAutomatic(Replication.Automatic.getDefaultInstance()))
                    .putAllLabels(labels)
                    .putAllAnnotations(annotations))
            .build();
    Secret created =
        retrier.call(
            "create secret " + name, false, () -> client.createSecretCallable().call(request));
    return toInfo(created);
  }

  @Override
  public Optional<SecretInfo> get(String name) {
    requireName(name);
    GetSecretRequest request = GetSecretRequest.newBuilder().setName(secretPath(name)).build();
    return NotFound.orEmpty(
            () ->
                retrier.call(
                    "get secret " + name, true, () -> client.getSecretCallable().call(request)))
        .map(SecretManagerSecrets::toInfo);
  }

  @Override
  public SecretInfo setAnnotations(String name, Map<String, String> annotations) {
    requireName(name);
    UpdateSecretRequest request =
        UpdateSecretRequest.newBuilder()
            .setSecret(Secret.newBuilder().setName(secretPath(name)).putAllAnnotations(annotations))
            .setUpdateMask(FieldMask.newBuilder().addPaths("annotations"))
            .build();
    return toInfo(
        retrier.call(
            "update secret " + name, true, () -> client.updateSecretCallable().call(request)));
  }

  @Override
  public String addVersion(String name, SecretValue value) {
    requireName(name);
    byte[] bytes = value.bytes();
    try {
      CRC32C crc = new CRC32C();
      crc.update(bytes);
      AddSecretVersionRequest request =
          AddSecretVersionRequest.newBuilder()
              .setParent(secretPath(name))
              .setPayload(
                  SecretPayload.newBuilder()
                      .setData(ByteString.copyFrom(bytes))
                      .setDataCrc32C(crc.getValue()))
              .build();
      SecretVersion version =
          retrier.call(
              "add a version to secret " + name,
              false,
              () -> client.addSecretVersionCallable().call(request));
      return lastSegment(version.getName());
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  @Override
  public SecretValue access(String name, String version) {
    return accessVersion(name, version).value();
  }

  @Override
  public AccessedSecret accessVersion(String name, String version) {
    requireName(name);
    AccessSecretVersionRequest request =
        AccessSecretVersionRequest.newBuilder().setName(versionPath(name, version)).build();
    AccessSecretVersionResponse response =
        retrier.call(
            "access secret " + name + " version " + version,
            true,
            () -> client.accessSecretVersionCallable().call(request));
    String served = response.getName();
    byte[] bytes = response.getPayload().getData().toByteArray();
    try {
      return new AccessedSecret(
          served.isEmpty() ? version : served.substring(served.lastIndexOf('/') + 1),
          SecretValue.ofBytes(bytes));
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  @Override
  public void disableVersion(String name, String version) {
    requireName(name);
    DisableSecretVersionRequest request =
        DisableSecretVersionRequest.newBuilder().setName(versionPath(name, version)).build();
    retrier.call(
        "disable secret " + name + " version " + version,
        true,
        () -> client.disableSecretVersionCallable().call(request));
  }

  @Override
  public void destroyVersion(String name, String version) {
    requireName(name);
    DestroySecretVersionRequest request =
        DestroySecretVersionRequest.newBuilder().setName(versionPath(name, version)).build();
    retrier.call(
        "destroy secret " + name + " version " + version,
        true,
        () -> client.destroySecretVersionCallable().call(request));
  }

  @Override
  public void close() {
    client.close();
  }

  private String secretPath(String name) {
    return "projects/" + project + "/secrets/" + name;
  }

  private String versionPath(String name, String version) {
    if (!LATEST.equals(version) && !version.matches("[0-9]+")) {
      throw PlatformException.invalid("invalid secret version: " + version);
    }
    return secretPath(name) + "/versions/" + version;
  }

  private static SecretInfo toInfo(Secret secret) {
    Instant created =
        secret.hasCreateTime()
            ? Instant.ofEpochSecond(
                secret.getCreateTime().getSeconds(), secret.getCreateTime().getNanos())
            : null;
    return new SecretInfo(
        lastSegment(secret.getName()), secret.getLabelsMap(), secret.getAnnotationsMap(), created);
  }

  private static String lastSegment(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static void requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw PlatformException.invalid("invalid secret name: " + name);
    }
  }
}
