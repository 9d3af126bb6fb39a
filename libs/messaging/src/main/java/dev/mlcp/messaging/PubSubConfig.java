package dev.mlcp.messaging;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Pub/Sub settings shared by every {@code mlcp-pubsub} channel of the application. */
@ConfigMapping(prefix = "mlcp.pubsub")
public interface PubSubConfig {

  /** {@code host:port} of a Pub/Sub emulator; set means plaintext and no credentials. */
  Optional<String> emulatorHost();

  /** Create missing topics, dead-letter topics and pull subscriptions (local and tests only). */
  @WithDefault("false")
  boolean provision();

  /** Deadline of the readiness probe's call to Pub/Sub. */
  @WithDefault("2s")
  Duration healthTimeout();

  /** Push endpoint settings. */
  Push push();

  /** Settings of {@code POST /pubsub/push/{channel}}. */
  interface Push {

    /** How push requests are authenticated: google-oidc (cloud) or none (emulator). */
    @WithDefault("google-oidc")
    PushAuth auth();

    /** Audience the push subscription's OIDC token must carry (the push endpoint URL). */
    Optional<String> audience();

    /** Email of the push subscription's service account, required in the token. */
    Optional<String> serviceAccount();

    /** Issuers Google signs push tokens with. */
    @WithDefault("https://accounts.google.com,accounts.google.com")
    List<String> issuers();

    /** JWKS the pubsub-push OIDC tenant verifies token signatures with. */
    @WithDefault("https://www.googleapis.com/oauth2/v3/certs")
    String jwksUrl();

    /** How long a push request waits for the handler to ack before answering 503. */
    @WithDefault("30s")
    Duration handlerTimeout();

    /** Push requests of one channel in progress at once; beyond it the endpoint answers 503. */
    @WithDefault("1000")
    int maxInFlight();
  }

  /** Authentication of push requests. */
  enum PushAuth {
    /** Verify the Google-signed OIDC token of the push subscription's service account. */
    GOOGLE_OIDC,
    /** Accept unauthenticated pushes: the local emulator sends no token. */
    NONE
  }
}
