package dev.mlcp.training.logs.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * {@code GET /v1/runs/{id}/logs} chooses between text and Server-Sent Events by its {@code follow}
 * parameter, as it always has (a plain {@code curl ...?follow=true} gets events, an {@code
 * EventSource} sending {@code Accept: text/event-stream} too). JAX-RS would instead match {@code
 * Accept} against the one type {@link RunLogsResource} declares and answer 406, so this route,
 * ahead of the REST layer, makes that endpoint accept anything.
 */
@ApplicationScoped
public class LogsAcceptRoute {
  /** Before the REST layer's route. */
  static final int ORDER = -1000;

  void install(@Observes Router router) {
    router
        .routeWithRegex(HttpMethod.GET, "/v1/runs/[^/]+/logs")
        .order(ORDER)
        .handler(
            ctx -> {
              ctx.request().headers().set(HttpHeaders.ACCEPT, "*/*");
              ctx.next();
            });
  }
}
