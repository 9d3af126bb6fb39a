package dev.mlcp.testing;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mints JWTs shaped like Google ID tokens (user tokens and Pub/Sub push tokens) with a fixed,
 * committed, TEST-ONLY RSA key pair. Services verify them by pointing their OIDC tenant at {@link
 * #publicKeyBase64()} ({@code quarkus.oidc.public-key}) or at a JWKS serving {@link #jwks()}.
 */
public final class TestTokens {
  /** The {@code kid} of the test key in tokens and in {@link #jwks()}. */
  public static final String KEY_ID = "mlcp-test-only-key";

  /** Google's issuer as it appears in ID tokens. */
  public static final String GOOGLE_ISSUER = "https://accounts.google.com";

  /** The audience tokens carry unless told otherwise. */
  public static final String DEFAULT_AUDIENCE = "https://mlcp.test/audience";

  /** Classpath location of the test-only public key (PEM). */
  public static final String PUBLIC_KEY_RESOURCE = "/dev/mlcp/testing/test-only-public-key.pem";

  private static final String PRIVATE_KEY_RESOURCE = "/dev/mlcp/testing/test-only-private-key.pem";
  private static final String OTHER_PRIVATE_KEY_RESOURCE =
      "/dev/mlcp/testing/test-only-other-private-key.pem";

  private TestTokens() {}

  /** A token builder for {@code email}: Google issuer, {@link #DEFAULT_AUDIENCE}, valid 1 h. */
  public static Builder googleIdToken(String email) {
    return new Builder(email);
  }

  /** The test public key as PEM, headers included. */
  public static String publicKeyPem() {
    return resource(PUBLIC_KEY_RESOURCE);
  }

  /** The test public key as bare base64 (no PEM headers), the form of quarkus.oidc.public-key. */
  public static String publicKeyBase64() {
    return base64Body(publicKeyPem());
  }

  /** The test public key. */
  public static RSAPublicKey publicKey() {
    try {
      byte[] der = Base64.getDecoder().decode(publicKeyBase64());
      return (RSAPublicKey)
          KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("test public key unreadable", e);
    }
  }

  /** A JWKS document ({@code {"keys":[...]}}) holding the test public key under {@link #KEY_ID}. */
  public static String jwks() {
    RSAPublicKey key = publicKey();
    return "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\""
        + KEY_ID
        + "\",\"n\":\""
        + base64Url(key.getModulus())
        + "\",\"e\":\""
        + base64Url(key.getPublicExponent())
        + "\"}]}";
  }

  /** Options of one token; {@link #sign()} produces it. */
  public static final class Builder {
    private String issuer = GOOGLE_ISSUER;
    private String audience = DEFAULT_AUDIENCE;
    private String subject = "104" + Math.abs((long) System.identityHashCode(this));
    private String email;
    private Boolean emailVerified = true;
    private Instant issuedAt = Instant.now();
    private Instant expiresAt = issuedAt.plus(Duration.ofHours(1));
    private boolean otherKey;
    private final Map<String, Object> claims = new LinkedHashMap<>();

    private Builder(String email) {
      this.email = email;
    }

    /** Sets {@code iss}. */
    public Builder issuer(String issuer) {
      this.issuer = issuer;
      return this;
    }

    /** Sets {@code aud}. */
    public Builder audience(String audience) {
      this.audience = audience;
      return this;
    }

    /** Sets {@code sub}. */
    public Builder subject(String subject) {
      this.subject = subject;
      return this;
    }

    /** Sets {@code email}; null leaves the claim out. */
    public Builder email(String email) {
      this.email = email;
      return this;
    }

    /** Sets {@code email_verified}. */
    public Builder emailVerified(boolean emailVerified) {
      this.emailVerified = emailVerified;
      return this;
    }

    /** Leaves {@code email_verified} out (some issuers omit it; mlcp refuses such tokens). */
    public Builder withoutEmailVerified() {
      this.emailVerified = null;
      return this;
    }

    /** Sets {@code exp}. */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    /** Issued two hours ago, expired one hour ago (beyond any clock-skew allowance). */
    public Builder expired() {
      this.issuedAt = Instant.now().minus(Duration.ofHours(2));
      this.expiresAt = Instant.now().minus(Duration.ofHours(1));
      return this;
    }

    /** Signs with a second test key that no JWKS here publishes (a forged token). */
    public Builder signedWithOtherKey() {
      this.otherKey = true;
      return this;
    }

    /** Adds any other claim. */
    public Builder claim(String name, Object value) {
      claims.put(name, value);
      return this;
    }

    /** The signed compact JWT (RS256, {@code kid} = {@link #KEY_ID}). */
    public String sign() {
      JwtClaimsBuilder jwt =
          Jwt.issuer(issuer)
              .audience(audience)
              .subject(subject)
              .issuedAt(issuedAt)
              .expiresAt(expiresAt);
      if (emailVerified != null) {
        jwt.claim("email_verified", emailVerified);
      }
      if (email != null) {
        jwt.claim("email", email);
      }
      claims.forEach(jwt::claim);
      return jwt.jws()
          .keyId(KEY_ID)
          .algorithm(SignatureAlgorithm.RS256)
          .sign(privateKey(otherKey ? OTHER_PRIVATE_KEY_RESOURCE : PRIVATE_KEY_RESOURCE));
    }
  }

  private static PrivateKey privateKey(String resource) {
    try {
      byte[] der = Base64.getDecoder().decode(base64Body(resource(resource)));
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("test private key unreadable: " + resource, e);
    }
  }

  private static String base64Body(String pem) {
    return pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
  }

  private static String base64Url(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String resource(String name) {
    try (InputStream in = TestTokens.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
