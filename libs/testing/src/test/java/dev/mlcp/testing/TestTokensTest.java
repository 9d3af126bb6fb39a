package dev.mlcp.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;

class TestTokensTest {

  private static JwtConsumer consumer(String audience) throws Exception {
    JsonWebKeySet jwks = new JsonWebKeySet(TestTokens.jwks());
    return new JwtConsumerBuilder()
        .setVerificationKeyResolver(new JwksVerificationKeyResolver(jwks.getJsonWebKeys()))
        .setExpectedIssuer(TestTokens.GOOGLE_ISSUER)
        .setExpectedAudience(audience)
        .setRequireExpirationTime()
        .build();
  }

  @Test
  void token_verifies_against_the_published_jwks_and_carries_google_claims() throws Exception {
    String token = TestTokens.googleIdToken("push@mlcp-test.iam.gserviceaccount.com").sign();

    JwtClaims claims = consumer(TestTokens.DEFAULT_AUDIENCE).processToClaims(token);

    assertThat(claims.getStringClaimValue("email"))
        .isEqualTo("push@mlcp-test.iam.gserviceaccount.com");
    assertThat(claims.getClaimValue("email_verified")).isEqualTo(true);
    assertThat(claims.getSubject()).isNotBlank();
  }

  @Test
  void token_signed_with_the_other_key_fails_verification() throws Exception {
    String token = TestTokens.googleIdToken("a@b.c").signedWithOtherKey().sign();

    JwtConsumer consumer = consumer(TestTokens.DEFAULT_AUDIENCE);
    assertThatThrownBy(() -> consumer.processToClaims(token))
        .isInstanceOf(InvalidJwtException.class);
  }

  @Test
  void expired_token_fails_verification() throws Exception {
    String token = TestTokens.googleIdToken("a@b.c").expired().sign();

    JwtConsumer consumer = consumer(TestTokens.DEFAULT_AUDIENCE);
    assertThatThrownBy(() -> consumer.processToClaims(token))
        .isInstanceOf(InvalidJwtException.class)
        .hasMessageContaining("no longer valid");
  }

  @Test
  void wrong_audience_and_issuer_are_set_as_asked() throws Exception {
    String token =
        TestTokens.googleIdToken("a@b.c").audience("other").issuer("https://evil.example").sign();

    JwtConsumer consumer = consumer(TestTokens.DEFAULT_AUDIENCE);
    assertThatThrownBy(() -> consumer.processToClaims(token))
        .isInstanceOf(InvalidJwtException.class);
  }

  @Test
  void public_key_base64_is_the_pem_without_headers() {
    assertThat(TestTokens.publicKeyPem()).contains("BEGIN PUBLIC KEY");
    assertThat(TestTokens.publicKeyBase64()).doesNotContain("-----").doesNotContain("\n");
    assertThat(TestTokens.publicKey().getModulus().bitLength()).isEqualTo(2048);
  }
}
