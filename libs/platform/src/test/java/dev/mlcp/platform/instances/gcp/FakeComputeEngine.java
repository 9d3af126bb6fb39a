package dev.mlcp.platform.instances.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful stand-in for the Compute Engine REST API's instance and zone-operation resources, as a
 * WireMock extension: inserts, gets, aggregated lists (label filters, paging), deletes and resets
 * behave like GCE, including 404/409 error bodies and operations that finish on the first poll.
 * Stop, start and setScheduling change the instance's status and scheduling; guest attributes are
 * what a test put there with {@link #guestAttribute} (the VM's side of them is the metadata
 * server's), served by getGuestAttributes with GCE's 404 for an empty query path. Tests add
 * ordinary WireMock stubs at a higher priority to script failures. Public so that services can run
 * their domain over the real Compute adapter against it.
 */
public final class FakeComputeEngine implements ResponseDefinitionTransformerV2 {

  /** The transformer name to use in stubs. */
  public static final String NAME = "fake-compute-engine";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern INSTANCES =
      Pattern.compile(
          "/compute/v1/projects/([^/]+)/zones/([^/]+)/instances(?:/([^/?]+))?"
              + "(?:/(reset|stop|start|setScheduling|getGuestAttributes))?");
  private static final Pattern AGGREGATED =
      Pattern.compile("/compute/v1/projects/([^/]+)/aggregated/instances");
  private static final Pattern OPERATION =
      Pattern.compile("/compute/v1/projects/([^/]+)/zones/([^/]+)/operations/([^/?]+)");
  private static final Pattern PRESENT = Pattern.compile("labels\\.([a-z0-9_-]+):\\*");
  private static final Pattern EQUALS = Pattern.compile("labels\\.([a-z0-9_-]+) = \"([^\"]*)\"");

  private final Map<String, ObjectNode> instances = new TreeMap<>();
  private final Map<String, Map<String, String>> guestAttributes = new TreeMap<>();
  private final AtomicInteger counter = new AtomicInteger();

  /**
   * Makes the VM {@code zone/name} have written guest attribute {@code namespace/key} = {@code
   * value}, as its agent does through the metadata server.
   */
  public synchronized void guestAttribute(
      String zone, String name, String namespace, String key, String value) {
    guestAttributes
        .computeIfAbsent(zone + "/" + name, k -> new TreeMap<>())
        .put(namespace + "/" + key, value);
  }

  /** The instance resource as stored (tests inspect its scheduling, status, metadata). */
  public synchronized ObjectNode instance(String zone, String name) {
    ObjectNode found = instances.get(zone + "/" + name);
    return found == null ? null : found.deepCopy();
  }

  /** Deletes the instance behind the adapter's back, as maxRunDuration or a person would. */
  public synchronized void vanish(String zone, String name) {
    instances.remove(zone + "/" + name);
    guestAttributes.remove(zone + "/" + name);
  }

  /** Sets the instance's status, e.g. TERMINATED for a VM stopped from inside. */
  public synchronized void status(String zone, String name, String status) {
    ObjectNode found = instances.get(zone + "/" + name);
    if (found != null) {
      found.put("status", status);
    }
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public synchronized ResponseDefinition transform(ServeEvent event) {
    Request request = event.getRequest();
    String path = request.getUrl().split("\\?")[0];
    Matcher m;
    if ((m = OPERATION.matcher(path)).matches()) {
      ObjectNode op = operation(m.group(1), m.group(2), "DONE", m.group(3));
      return json(200, op);
    }
    if ((m = AGGREGATED.matcher(path)).matches()) {
      return aggregated(request);
    }
    if ((m = INSTANCES.matcher(path)).matches()) {
      String project = m.group(1);
      String zone = m.group(2);
      String name = m.group(3);
      String verb = m.group(4);
      String key = zone + "/" + name;
      switch (request.getMethod().getName()) {
        case "POST" -> {
          if (name == null) {
            return insert(project, zone, request);
          }
          ObjectNode instance = instances.get(key);
          if (instance == null) {
            return notFound(project, zone, name);
          }
          if ("stop".equals(verb)) {
            instance.put("status", "TERMINATED");
          } else if ("start".equals(verb)) {
            instance.put("status", "RUNNING");
          } else if ("setScheduling".equals(verb)) {
            try {
              instance.set("scheduling", JSON.readTree(request.getBodyAsString()));
            } catch (Exception e) {
              return json(400, error(400, "bad body: " + e.getMessage(), "invalid"));
            }
          }
          return json(200, operation(project, zone, "RUNNING", null));
        }
        case "GET" -> {
          ObjectNode instance = instances.get(key);
          if (instance == null) {
            return notFound(project, zone, name);
          }
          if ("getGuestAttributes".equals(verb)) {
            return guestAttributes(project, zone, name, param(request, "queryPath"));
          }
          return json(200, instance);
        }
        case "DELETE" -> {
          if (instances.remove(key) == null) {
            return notFound(project, zone, name);
          }
          guestAttributes.remove(key);
          return json(200, operation(project, zone, "RUNNING", null));
        }
        default -> {
          return json(405, error(405, "method not allowed", "badRequest"));
        }
      }
    }
    return json(404, error(404, "no such API path " + path, "notFound"));
  }

  private ResponseDefinition insert(String project, String zone, Request request) {
    try {
      ObjectNode body = (ObjectNode) JSON.readTree(request.getBodyAsString());
      String name = body.path("name").asText();
      String key = zone + "/" + name;
      if (instances.containsKey(key)) {
        return json(
            409,
            error(
                409,
                "The resource 'projects/"
                    + project
                    + "/zones/"
                    + zone
                    + "/instances/"
                    + name
                    + "' already exists",
                "alreadyExists"));
      }
      int n = counter.incrementAndGet();
      body.put("id", Integer.toString(1000 + n));
      body.put("status", "RUNNING");
      body.put(
          "zone", "https://www.googleapis.com/compute/v1/projects/" + project + "/zones/" + zone);
      body.put("creationTimestamp", "2026-01-01T00:00:00.000-08:00");
      ArrayNode nics = body.withArray("networkInterfaces");
      if (nics.isEmpty()) {
        nics.addObject();
      }
      ((ObjectNode) nics.get(0)).put("networkIP", "10.128.0." + (n % 250 + 2));
      for (JsonNode access : nics.get(0).path("accessConfigs")) {
        ((ObjectNode) access).put("natIP", "34.1.2." + (n % 250 + 2));
      }
      instances.put(key, body);
      return json(200, operation(project, zone, "RUNNING", null));
    } catch (Exception e) {
      return json(400, error(400, "bad body: " + e.getMessage(), "invalid"));
    }
  }

  private ResponseDefinition guestAttributes(
      String project, String zone, String name, String queryPath) {
    String path = queryPath == null ? "" : queryPath;
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "compute#guestAttributes");
    body.put("queryPath", path);
    ArrayNode items = body.putObject("queryValue").putArray("items");
    guestAttributes
        .getOrDefault(zone + "/" + name, Map.of())
        .forEach(
            (k, v) -> {
              if (k.startsWith(path)) {
                int slash = k.indexOf('/');
                items
                    .addObject()
                    .put("namespace", k.substring(0, slash))
                    .put("key", k.substring(slash + 1))
                    .put("value", v);
              }
            });
    if (items.isEmpty()) {
      return json(
          404,
          error(
              404,
              "The resource 'projects/"
                  + project
                  + "/zones/"
                  + zone
                  + "/instances/"
                  + name
                  + "/guestAttributes/"
                  + path
                  + "' was not found",
              "notFound"));
    }
    return json(200, body);
  }

  private ResponseDefinition aggregated(Request request) {
    String filter = param(request, "filter");
    int max =
        param(request, "maxResults") == null ? 500 : Integer.parseInt(param(request, "maxResults"));
    int offset =
        param(request, "pageToken") == null ? 0 : Integer.parseInt(param(request, "pageToken"));
    List<ObjectNode> matching = new ArrayList<>();
    for (ObjectNode instance : instances.values()) {
      if (matches(filter, instance.path("labels"))) {
        matching.add(instance);
      }
    }
    ObjectNode response = JSON.createObjectNode();
    response.put("kind", "compute#instanceAggregatedList");
    ObjectNode items = response.putObject("items");
    for (ObjectNode instance : matching.subList(offset, Math.min(matching.size(), offset + max))) {
      String zone = instance.path("zone").asText();
      String scope = "zones/" + zone.substring(zone.lastIndexOf('/') + 1);
      ((ObjectNode) items.with(scope)).withArray("instances").add(instance);
    }
    if (offset + max < matching.size()) {
      response.put("nextPageToken", Integer.toString(offset + max));
    }
    return json(200, response);
  }

  private static boolean matches(String filter, JsonNode labels) {
    if (filter == null || filter.isBlank()) {
      return true;
    }
    Matcher present = PRESENT.matcher(filter);
    while (present.find()) {
      if (!labels.has(present.group(1))) {
        return false;
      }
    }
    Matcher equals = EQUALS.matcher(filter);
    while (equals.find()) {
      if (!equals.group(2).equals(labels.path(equals.group(1)).asText(null))) {
        return false;
      }
    }
    return true;
  }

  private static String param(Request request, String name) {
    QueryParameter p = request.queryParameter(name);
    if (p == null || !p.isPresent()) {
      return null;
    }
    return URLDecoder.decode(p.firstValue(), StandardCharsets.UTF_8);
  }

  private ObjectNode operation(String project, String zone, String status, String name) {
    ObjectNode op = JSON.createObjectNode();
    op.put("kind", "compute#operation");
    op.put("name", name != null ? name : "operation-" + counter.incrementAndGet());
    op.put("status", status);
    op.put("zone", "https://www.googleapis.com/compute/v1/projects/" + project + "/zones/" + zone);
    return op;
  }

  private static ResponseDefinition notFound(String project, String zone, String name) {
    return json(
        404,
        error(
            404,
            "The resource 'projects/"
                + project
                + "/zones/"
                + zone
                + "/instances/"
                + name
                + "' was not found",
            "notFound"));
  }

  public static ObjectNode error(int code, String message, String reason) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", code);
    error.put("message", message);
    ObjectNode item = error.putArray("errors").addObject();
    item.put("message", message);
    item.put("domain", "global");
    item.put("reason", reason);
    return root;
  }

  private static ResponseDefinition json(int status, JsonNode body) {
    return WireMock.aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(body.toString())
        .build();
  }
}
