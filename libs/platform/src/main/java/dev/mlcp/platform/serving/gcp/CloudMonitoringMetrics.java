package dev.mlcp.platform.serving.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.platform.gcp.Retrier;
import dev.mlcp.platform.serving.RevisionMetrics;
import dev.mlcp.platform.serving.ServingNames;
import dev.mlcp.platform.serving.ServingStack;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * {@link RevisionMetrics} from Cloud Monitoring ({@code projects.timeSeries.list}, v3 REST): the
 * external Application Load Balancer's {@code https/request_count} and {@code
 * https/backend_latencies} for the revision's backend service on GCE, {@code request_count} and
 * {@code request_latencies} of the revision on Cloud Run. Counts are summed over the window by
 * response code class; latency is the window's 99th percentile (the largest across series).
 */
public final class CloudMonitoringMetrics implements RevisionMetrics {

  private final String project;
  private final GoogleRest rest;

  /**
   * @param project project whose metrics are read
   * @param endpoint Monitoring REST base, e.g. {@code https://monitoring.googleapis.com}
   * @param emulator whether {@code endpoint} is an emulator or test server (no credentials)
   * @param retrier retries the (idempotent) reads
   */
  public CloudMonitoringMetrics(
      String project, String endpoint, boolean emulator, Retrier retrier) {
    this.project = project;
    this.rest = new GoogleRest(endpoint, GoogleRest.credentialsFor(endpoint, emulator), retrier);
  }

  @Override
  public RequestStats stats(
      ServingStack.Target target, String service, String revision, Instant since, Instant until) {
    String resource;
    String count;
    String latency;
    if (target == ServingStack.Target.GCE) {
      resource =
          "resource.type=\"https_lb_rule\" AND resource.label.backend_target_name=\""
              + ServingNames.backendService(service, revision)
              + "\"";
      count = "loadbalancing.googleapis.com/https/request_count";
      latency = "loadbalancing.googleapis.com/https/backend_latencies";
    } else {
      resource =
          "resource.type=\"cloud_run_revision\" AND resource.label.service_name=\""
              + service
              + "\" AND resource.label.revision_name=\""
              + ServingNames.runRevision(service, revision)
              + "\"";
      count = "run.googleapis.com/request_count";
      latency = "run.googleapis.com/request_latencies";
    }
    long seconds = Math.max(60, Duration.between(since, until).toSeconds());
    JsonNode counts =
        rest.get(
            "read request counts of " + service + "/" + revision,
            query(
                "metric.type=\"" + count + "\" AND " + resource,
                since,
                until,
                seconds,
                "ALIGN_DELTA",
                "REDUCE_SUM",
                "metric.label.response_code_class"));
    long requests = 0;
    long errors = 0;
    for (JsonNode series : counts.path("timeSeries")) {
      String codeClass = series.path("metric").path("labels").path("response_code_class").asText();
      long n = 0;
      for (JsonNode point : series.path("points")) {
        n += point.path("value").path("int64Value").asLong(0);
      }
      requests += n;
      if (codeClass.startsWith("5")) {
        errors += n;
      }
    }
    if (requests == 0) {
      return RequestStats.none();
    }
    JsonNode latencies =
        rest.get(
            "read latencies of " + service + "/" + revision,
            query(
                "metric.type=\"" + latency + "\" AND " + resource,
                since,
                until,
                seconds,
                "ALIGN_PERCENTILE_99",
                "REDUCE_MAX",
                null));
    double p99 = Double.NaN;
    for (JsonNode series : latencies.path("timeSeries")) {
      for (JsonNode point : series.path("points")) {
        double v = point.path("value").path("doubleValue").asDouble(Double.NaN);
        if (!Double.isNaN(v) && (Double.isNaN(p99) || v > p99)) {
          p99 = v;
        }
      }
    }
    return new RequestStats(requests, errors, p99);
  }

  private String query(
      String filter,
      Instant since,
      Instant until,
      long alignmentSeconds,
      String aligner,
      String reducer,
      String groupBy) {
    StringBuilder q =
        new StringBuilder("/v3/projects/")
            .append(project)
            .append("/timeSeries?filter=")
            .append(encode(filter))
            .append("&interval.startTime=")
            .append(encode(since.toString()))
            .append("&interval.endTime=")
            .append(encode(until.toString()))
            .append("&aggregation.alignmentPeriod=")
            .append(alignmentSeconds)
            .append("s&aggregation.perSeriesAligner=")
            .append(aligner)
            .append("&aggregation.crossSeriesReducer=")
            .append(reducer);
    if (groupBy != null) {
      q.append("&aggregation.groupByFields=").append(encode(groupBy));
    }
    return q.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
