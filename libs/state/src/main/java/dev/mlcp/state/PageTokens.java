package dev.mlcp.state;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.objects.ObjectRead;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.platform.objects.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, signed page tokens: the listing, its key and the store's cursor, with an HMAC-SHA256 so a
 * client can neither forge a token nor reuse one for another listing (another owner's runs, say).
 * The signing key is generated once and kept in the state bucket, so every replica of the service
 * accepts every other replica's tokens.
 */
final class PageTokens {
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final ObjectStore store;
  private final ObjectUri keyUri;
  private volatile byte[] key;

  PageTokens(ObjectStore store, ObjectUri keyUri) {
    this.store = store;
    this.keyUri = keyUri;
  }

  /** A token continuing listing {@code scope} at the store's {@code cursor}. */
  String issue(String scope, String cursor) {
    byte[] payload = (scope + "\n" + cursor).getBytes(StandardCharsets.UTF_8);
    return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(mac(payload));
  }

  /**
   * The store cursor in {@code token}, which must have been issued for {@code scope}.
   *
   * @throws InvalidPageTokenException otherwise
   */
  String open(String token, String scope) {
    int dot = token.indexOf('.');
    if (dot <= 0 || token.length() > 4096) {
      throw new InvalidPageTokenException("pageToken is not a token this service issued");
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = DECODER.decode(token.substring(0, dot));
      signature = DECODER.decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw new InvalidPageTokenException("pageToken is not a token this service issued");
    }
    if (!MessageDigest.isEqual(mac(payload), signature)) {
      throw new InvalidPageTokenException("pageToken is not a token this service issued");
    }
    String text = new String(payload, StandardCharsets.UTF_8);
    int newline = text.indexOf('\n');
    if (newline < 0 || !text.substring(0, newline).equals(scope)) {
      throw new InvalidPageTokenException(
          "pageToken belongs to another listing; start again without it");
    }
    return text.substring(newline + 1);
  }

  private byte[] mac(byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(), "HmacSHA256"));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] key() {
    byte[] k = key;
    if (k == null) {
      synchronized (this) {
        if (key == null) {
          key = loadOrCreate();
        }
        k = key;
      }
    }
    return k;
  }

  private byte[] loadOrCreate() {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    try {
      store.write(keyUri, fresh, "application/octet-stream", WriteCondition.doesNotExist());
      return fresh;
    } catch (PlatformException e) {
      if (e.kind() != PlatformException.Kind.CONFLICT
          && e.kind() != PlatformException.Kind.ALREADY_EXISTS) {
        throw e;
      }
    }
    try (ObjectRead read = store.read(keyUri)) {
      return read.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
