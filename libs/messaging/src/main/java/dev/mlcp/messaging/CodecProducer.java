package dev.mlcp.messaging;

import dev.mlcp.events.CloudEventCodec;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Makes the CloudEvents codec injectable; a service may produce its own instead. */
public class CodecProducer {

  /** The codec with libs/events' mapper (ISO instants, unknown fields ignored). */
  @Produces
  @Singleton
  @DefaultBean
  CloudEventCodec codec() {
    return new CloudEventCodec();
  }
}
