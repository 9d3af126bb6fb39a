package dev.mlcp.delivery;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlcp.events.ScheduledJobs;
import dev.mlcp.events.Subscriptions;
import dev.mlcp.events.Topics;
import dev.mlcp.messaging.PubSubSetup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code infra/terraform/code_lists.tf.json}: the Terraform locals made from the code's single
 * lists — {@link Topics}, {@link Subscriptions}, {@link ScheduledJobs} — and from what each
 * service's application.properties declares (incoming channels in push or pull mode, outgoing
 * topics). {@code CodeListsTest} fails while the committed file differs; regenerate with
 *
 * <pre>
 * ./mvnw -B -pl infra/terraform -am test -Dtest=CodeListsTest -Dmlcp.regenerate=true -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
final class CodeLists {
  static final String FILE = "code_lists.tf.json";

  /** Service account ids are {@code mlcp-<key>}; Terraform names accounts by key. */
  static final String ACCOUNT_PREFIX = "mlcp-";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private CodeLists() {}

  /** The file's content for the code as it is now. */
  static String render() {
    ObjectNode root = NODES.objectNode();
    root.put(
        "//",
        "Generated from dev.mlcp.events (Topics, Subscriptions, ScheduledJobs) and the services'"
            + " application.properties: do not edit. CodeListsTest fails when it is stale;"
            + " regenerate as infra/terraform/README.md says.");
    ObjectNode locals = root.putObject("locals");
    locals.put("max_delivery_attempts", Topics.MAX_DELIVERY_ATTEMPTS);
    locals.put("ack_deadline_seconds", PubSubSetup.ACK_DEADLINE_SECONDS);

    ObjectNode topics = locals.putObject("topics");
    for (String topic : Topics.ALL) {
      topics.putObject(topic).put("dead_letter", Topics.deadLetterOf(topic));
    }

    ObjectNode subscriptions = locals.putObject("subscriptions");
    for (Subscriptions.Subscription s : Subscriptions.ALL) {
      Properties props = properties(s.service());
      String prefix = "mp.messaging.incoming." + s.channel() + ".";
      boolean declared = props.containsKey(prefix + "connector");
      boolean push = declared && "push".equals(props.getProperty(prefix + "mode", "pull"));
      subscriptions
          .putObject(s.name())
          .put("topic", s.topic())
          .put("service", s.service())
          .put("channel", s.channel())
          .put("push_path", s.pushPath())
          .put("push", push)
          .put("pulled_by_service", declared && !push)
          .put("ordering", Boolean.parseBoolean(props.getProperty(prefix + "ordering", "false")));
    }

    ObjectNode jobs = locals.putObject("scheduled_jobs");
    for (ScheduledJobs.Job job : ScheduledJobs.ALL) {
      String account = job.caller().accountId();
      if (!account.startsWith(ACCOUNT_PREFIX)) {
        throw new IllegalStateException(
            job.name() + ": caller account " + account + " is not mlcp-<key>");
      }
      jobs.putObject(job.name())
          .put("service", job.service())
          .put("method", job.method().name())
          .put("path", job.path())
          .put("cron", job.cron())
          .put("caller", account.substring(ACCOUNT_PREFIX.length()));
    }

    ObjectNode publishes = locals.putObject("service_publishes");
    for (String service : services()) {
      ArrayNode topicsOut = publishes.putArray(service);
      outgoingTopics(service).forEach(topicsOut::add);
    }
    try {
      return Hcl.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root)
          + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The services: every directory under services/ with an application.properties. */
  static List<String> services() {
    try (Stream<Path> dirs = Files.list(Repo.root().resolve("services"))) {
      return dirs.filter(
              d -> Files.isRegularFile(d.resolve("src/main/resources/application.properties")))
          .map(d -> d.getFileName().toString())
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Topics {@code service} publishes to: its outgoing channels' {@code topic} (sorted). */
  static List<String> outgoingTopics(String service) {
    Properties props = properties(service);
    TreeSet<String> topics = new TreeSet<>();
    for (String key : props.stringPropertyNames()) {
      if (key.startsWith("mp.messaging.outgoing.") && key.endsWith(".topic")) {
        topics.add(props.getProperty(key).trim());
      }
    }
    return List.copyOf(topics);
  }

  static Properties properties(String service) {
    Properties props = new Properties();
    Path file = Repo.applicationProperties(service);
    if (Files.isRegularFile(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        props.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return props;
  }

  /** Writes the file (regeneration). */
  static void write(Path file) throws IOException {
    Files.writeString(file, render(), StandardCharsets.UTF_8);
  }
}
