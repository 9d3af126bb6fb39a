package dev.mlcp.platform.objects.gcp;

import com.google.api.gax.paging.Page;
import com.google.auth.ServiceAccountSigner;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BlobWriteSession;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.gcp.GcpErrors;
import dev.mlcp.platform.objects.ObjectListing;
import dev.mlcp.platform.objects.ObjectMetadata;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@link ObjectStore} on Cloud Storage. Writes go through a resumable upload session fed from the
 * caller's stream in fixed-size chunks, so memory does not grow with object size; reads pin the
 * generation that {@code stat} saw. Preconditions map to {@code ifGenerationMatch} (0 = must not
 * exist) and a 412 becomes CONFLICT. Retries of idempotent calls (reads, conditional writes) are
 * the Storage client's own, bounded by the options it was built with.
 */
public final class GcsObjectStore implements ObjectStore {

  private static final int BUFFER = 1024 * 1024;
  private static final int READ_CHUNK = 4 * 1024 * 1024;

  private final Storage storage;
  private final ServiceAccountSigner signer;

  /**
   * Creates the adapter; it owns (and closes) the client.
   *
   * @param storage the Storage client
   * @param signer signs download URLs; null to use the client's credentials
   */
  public GcsObjectStore(Storage storage, ServiceAccountSigner signer) {
    this.storage = storage;
    this.signer = signer;
  }

  @Override
  public ObjectMetadata write(
      ObjectUri uri, InputStream content, String contentType, WriteCondition condition) {
    BlobInfo.Builder info = BlobInfo.newBuilder(BlobId.of(uri.bucket(), uri.name()));
    if (contentType != null) {
      info.setContentType(contentType);
    }
    List<Storage.BlobWriteOption> options = new ArrayList<>();
    if (condition instanceof WriteCondition.GenerationMatch match) {
      options.add(
          match.generation() == 0
              ? Storage.BlobWriteOption.doesNotExist()
              : Storage.BlobWriteOption.generationMatch(match.generation()));
    }
    String what = "write " + uri;
    try {
      BlobWriteSession session =
          storage.blobWriteSession(info.build(), options.toArray(Storage.BlobWriteOption[]::new));
      try (WritableByteChannel channel = session.open()) {
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = content.read(buffer)) >= 0) {
          ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
          while (chunk.hasRemaining()) {
            channel.write(chunk);
          }
        }
      }
      return toMetadata(session.getResult().get(10, TimeUnit.MINUTES));
    } catch (ExecutionException e) {
      throw GcpErrors.classify(what, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw GcpErrors.classify(what, e);
    } catch (Exception e) {
      throw GcpErrors.classify(what, e);
    }
  }

  @Override
  public ObjectRead read(ObjectUri uri) {
    Blob blob = getBlob(uri).orElseThrow(() -> PlatformException.notFound(uri.toString()));
    try {
      ReadChannel channel =
          storage.reader(BlobId.of(uri.bucket(), uri.name(), blob.getGeneration()));
      channel.setChunkSize(READ_CHUNK);
      return new ObjectRead(toMetadata(blob), Channels.newInputStream(channel));
    } catch (RuntimeException e) {
      throw GcpErrors.classify("read " + uri, e);
    }
  }

  @Override
  public Optional<ObjectMetadata> stat(ObjectUri uri) {
    return getBlob(uri).map(GcsObjectStore::toMetadata);
  }

  @Override
  public dev.mlcp.platform.Page<ObjectMetadata> list(
      ObjectUri prefix, int pageSize, String pageToken) {
    List<Storage.BlobListOption> options = new ArrayList<>();
    options.add(Storage.BlobListOption.prefix(prefix.name()));
    options.add(Storage.BlobListOption.pageSize(pageSize));
    if (pageToken != null) {
      options.add(Storage.BlobListOption.pageToken(pageToken));
    }
    try {
      Page<Blob> page =
          storage.list(prefix.bucket(), options.toArray(Storage.BlobListOption[]::new));
      List<ObjectMetadata> items = new ArrayList<>();
      for (Blob blob : page.getValues()) {
        items.add(toMetadata(blob));
      }
      return new dev.mlcp.platform.Page<>(items, page.getNextPageToken());
    } catch (RuntimeException e) {
      throw GcpErrors.classify("list " + prefix, e);
    }
  }

  @Override
  public ObjectListing list(ObjectUri prefix, String delimiter, int pageSize, String pageToken) {
    List<Storage.BlobListOption> options = new ArrayList<>();
    options.add(Storage.BlobListOption.prefix(prefix.name()));
    options.add(Storage.BlobListOption.delimiter(delimiter));
    options.add(Storage.BlobListOption.pageSize(pageSize));
    if (pageToken != null) {
      options.add(Storage.BlobListOption.pageToken(pageToken));
    }
    try {
      Page<Blob> page =
          storage.list(prefix.bucket(), options.toArray(Storage.BlobListOption[]::new));
      List<ObjectMetadata> objects = new ArrayList<>();
      List<String> prefixes = new ArrayList<>();
      for (Blob blob : page.getValues()) {
        if (blob.isDirectory()) {
          prefixes.add(blob.getName());
        } else {
          objects.add(toMetadata(blob));
        }
      }
      return new ObjectListing(objects, prefixes, page.getNextPageToken());
    } catch (RuntimeException e) {
      throw GcpErrors.classify("list " + prefix, e);
    }
  }

  @Override
  public ObjectMetadata copy(ObjectUri source, ObjectUri target) {
    return copy(source, target, WriteCondition.none());
  }

  /** A server-side rewrite; the precondition is the rewrite's {@code ifGenerationMatch}. */
  @Override
  public ObjectMetadata copy(ObjectUri source, ObjectUri target, WriteCondition condition) {
    Storage.CopyRequest.Builder request =
        Storage.CopyRequest.newBuilder().setSource(BlobId.of(source.bucket(), source.name()));
    BlobId targetId = BlobId.of(target.bucket(), target.name());
    if (condition instanceof WriteCondition.GenerationMatch match) {
      request.setTarget(
          targetId,
          match.generation() == 0
              ? Storage.BlobTargetOption.doesNotExist()
              : Storage.BlobTargetOption.generationMatch(match.generation()));
    } else {
      request.setTarget(targetId);
    }
    try {
      return toMetadata(storage.copy(request.build()).getResult());
    } catch (RuntimeException e) {
      throw GcpErrors.classify("copy " + source + " to " + target, e);
    }
  }

  @Override
  public boolean delete(ObjectUri uri, WriteCondition condition) {
    try {
      if (condition instanceof WriteCondition.GenerationMatch match) {
        if (match.generation() == 0) {
          if (storage.get(BlobId.of(uri.bucket(), uri.name())) != null) {
            throw PlatformException.conflict("conditionNotMet", uri + " exists");
          }
          return false;
        }
        return storage.delete(
            BlobId.of(uri.bucket(), uri.name()),
            Storage.BlobSourceOption.generationMatch(match.generation()));
      }
      return storage.delete(BlobId.of(uri.bucket(), uri.name()));
    } catch (RuntimeException e) {
      throw GcpErrors.classify("delete " + uri, e);
    }
  }

  @Override
  public URI downloadUrl(ObjectUri uri, Duration validFor) {
    BlobInfo info = BlobInfo.newBuilder(BlobId.of(uri.bucket(), uri.name())).build();
    List<Storage.SignUrlOption> options = new ArrayList<>();
    options.add(Storage.SignUrlOption.withV4Signature());
    if (signer != null) {
      options.add(Storage.SignUrlOption.signWith(signer));
    }
    try {
      return storage
          .signUrl(
              info,
              validFor.toSeconds(),
              TimeUnit.SECONDS,
              options.toArray(Storage.SignUrlOption[]::new))
          .toURI();
    } catch (URISyntaxException e) {
      throw PlatformException.invalid("signed URL is not a URI: " + e.getMessage());
    } catch (ServiceAccountSigner.SigningException e) {
      PlatformException.Kind kind = PlatformException.Kind.TRANSIENT;
      if (e.getCause() instanceof IamCredentialsSigner.Refused refused) {
        kind =
            switch (refused.status()) {
              case 401, 403 -> PlatformException.Kind.PERMISSION_DENIED;
              case 404 -> PlatformException.Kind.NOT_FOUND;
              case 400 -> PlatformException.Kind.INVALID_ARGUMENT;
              default -> PlatformException.Kind.TRANSIENT;
            };
      }
      String detail = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
      throw new PlatformException(
          kind, "signBlob", "cannot sign a download URL for " + uri + ": " + detail, e);
    } catch (RuntimeException e) {
      throw GcpErrors.classify("sign a download URL for " + uri, e);
    }
  }

  @Override
  public void close() {
    try {
      storage.close();
    } catch (Exception e) {
      throw GcpErrors.classify("close the Storage client", e);
    }
  }

  private Optional<Blob> getBlob(ObjectUri uri) {
    try {
      return Optional.ofNullable(storage.get(BlobId.of(uri.bucket(), uri.name())));
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        return Optional.empty();
      }
      throw GcpErrors.classify("stat " + uri, e);
    } catch (RuntimeException e) {
      throw GcpErrors.classify("stat " + uri, e);
    }
  }

  private static ObjectMetadata toMetadata(BlobInfo blob) {
    Long size = blob.getSize();
    Long generation = blob.getGeneration();
    return new ObjectMetadata(
        new ObjectUri(blob.getBucket(), blob.getName()),
        size == null ? 0 : size,
        generation == null ? 0 : generation,
        blob.getCrc32c(),
        blob.getMd5(),
        blob.getContentType(),
        blob.getUpdateTimeOffsetDateTime() == null
            ? null
            : blob.getUpdateTimeOffsetDateTime().toInstant());
  }
}
