package dev.mlcp.platform.instances.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful stand-in for the Compute REST resources of a serving stack, as a WireMock extension:
 * global instance templates, health checks, backend services and URL maps; regional instance group
 * managers and autoscalers. Like GCE it rejects duplicate names (409), references to missing
 * resources (404), deleting a resource another one refers to (400 resourceInUseByAnotherResource)
 * and URL map updates with a stale fingerprint (412); every mutation answers an operation that is
 * DONE on its first poll.
 */
public final class FakeComputeServing implements ResponseDefinitionTransformerV2 {

  public static final String NAME = "fake-compute-serving";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PATH =
      Pattern.compile(
          "/compute/v1/projects/([^/]+)/(?:global|regions/([^/]+))/([A-Za-z]+)(?:/([^/]+)(?:/(getHealth))?)?");
  private static final Set<String> COLLECTIONS =
      Set.of(
          "instanceTemplates",
          "healthChecks",
          "backendServices",
          "urlMaps",
          "instanceGroupManagers",
          "autoscalers");
  private static final Pattern REFERENCE =
      Pattern.compile(
          ".*/(instanceTemplates|healthChecks|backendServices|instanceGroupManagers|instanceGroups)/([^/]+)$");

  private final Map<String, ObjectNode> resources = new TreeMap<>();
  private final AtomicInteger ops = new AtomicInteger();

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public synchronized ResponseDefinition transform(ServeEvent event) {
    var request = event.getRequest();
    Matcher m = PATH.matcher(request.getUrl().split("\\?")[0]);
    if (!m.matches()) {
      return error(404, "notFound", "no such path");
    }
    String collection = m.group(3);
    String name = m.group(4);
    String method = request.getMethod().getName();
    if (collection.equals("operations")) {
      ObjectNode op = JSON.createObjectNode();
      op.put("name", name);
      op.put("status", "DONE");
      return json(op);
    }
    if (!COLLECTIONS.contains(collection)) {
      return error(404, "notFound", "unknown collection " + collection);
    }
    try {
      if (name == null && method.equals("POST")) {
        return insert(collection, (ObjectNode) JSON.readTree(request.getBodyAsString()));
      }
      String key = collection + "/" + name;
      ObjectNode current = resources.get(key);
      if (current == null) {
        return error(404, "notFound", "The resource '" + key + "' was not found");
      }
      if ("getHealth".equals(m.group(5))) {
        return json(health(request.getBodyAsString()));
      }
      return switch (method) {
        case "GET" -> json(current);
        case "PUT" -> update(key, current, (ObjectNode) JSON.readTree(request.getBodyAsString()));
        case "DELETE" -> delete(key, collection, name);
        default -> error(405, "badRequest", "method " + method);
      };
    } catch (Exception e) {
      return error(400, "invalid", e.toString());
    }
  }

  /** Groups whose instances report UNHEALTHY (the rest report HEALTHY). */
  private final Set<String> unhealthy = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Makes the instances of {@code group} report UNHEALTHY (or HEALTHY again). */
  public void setUnhealthy(String group, boolean value) {
    if (value) {
      unhealthy.add(group);
    } else {
      unhealthy.remove(group);
    }
  }

  /** One status per instance of the group named in the body, as many as its target size. */
  private ObjectNode health(String body) throws java.io.IOException {
    ObjectNode health = JSON.createObjectNode();
    var statuses = health.putArray("healthStatus");
    String group = JSON.readTree(body).path("group").asText();
    String name = group.substring(group.lastIndexOf('/') + 1);
    ObjectNode manager = resources.get("instanceGroupManagers/" + name);
    if (manager != null) {
      for (int i = 0; i < manager.path("targetSize").asInt(); i++) {
        ObjectNode s = statuses.addObject();
        s.put(
            "instance", "zones/z/instances/" + manager.path("baseInstanceName").asText() + "-" + i);
        s.put("healthState", unhealthy.contains(name) ? "UNHEALTHY" : "HEALTHY");
      }
    }
    return health;
  }

  /** How many resources of each collection exist. */
  public synchronized Map<String, Integer> counts() {
    Map<String, Integer> out = new TreeMap<>();
    for (String key : resources.keySet()) {
      out.merge(key.substring(0, key.indexOf('/')), 1, Integer::sum);
    }
    return out;
  }

  private ResponseDefinition insert(String collection, ObjectNode body) {
    String key = collection + "/" + body.path("name").asText();
    if (resources.containsKey(key)) {
      return error(409, "alreadyExists", "The resource '" + key + "' already exists");
    }
    for (String ref : references(body)) {
      if (!resources.containsKey(ref)) {
        return error(404, "notFound", "The resource '" + ref + "' was not found");
      }
    }
    if (collection.equals("urlMaps")) {
      body.put("fingerprint", fingerprint());
    }
    resources.put(key, body);
    return operation();
  }

  private ResponseDefinition update(String key, ObjectNode current, ObjectNode body) {
    if (!current.path("fingerprint").asText().equals(body.path("fingerprint").asText())) {
      return error(
          412, "conditionNotMet", "Supplied fingerprint does not match current fingerprint.");
    }
    for (String ref : references(body)) {
      if (!resources.containsKey(ref)) {
        return error(404, "notFound", "The resource '" + ref + "' was not found");
      }
    }
    body.put("fingerprint", fingerprint());
    resources.put(key, body);
    return operation();
  }

  private ResponseDefinition delete(String key, String collection, String name) {
    for (Map.Entry<String, ObjectNode> e : resources.entrySet()) {
      if (!e.getKey().equals(key) && references(e.getValue()).contains(key)) {
        return error(
            400,
            "resourceInUseByAnotherResource",
            "The "
                + collection
                + " resource '"
                + name
                + "' is already being used by '"
                + e.getKey()
                + "'");
      }
    }
    resources.remove(key);
    return operation();
  }

  /** Keys of the resources {@code node} refers to (an instance group is its manager). */
  private static List<String> references(JsonNode node) {
    List<String> out = new ArrayList<>();
    collect(node, out);
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isTextual()) {
      Matcher m = REFERENCE.matcher(node.asText());
      if (m.matches()) {
        String collection =
            m.group(1).equals("instanceGroups") ? "instanceGroupManagers" : m.group(1);
        out.add(collection + "/" + m.group(2));
      }
    }
    node.forEach(child -> collect(child, out));
  }

  private static String fingerprint() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private ResponseDefinition operation() {
    ObjectNode op = JSON.createObjectNode();
    op.put("name", "op-" + ops.incrementAndGet());
    op.put("status", "RUNNING");
    return json(op);
  }

  private static ResponseDefinition json(JsonNode body) {
    return WireMock.aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody(body.toString())
        .build();
  }

  private static ResponseDefinition error(int status, String reason, String message) {
    return WireMock.aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(FakeComputeEngine.error(status, message, reason).toString())
        .build();
  }
}
