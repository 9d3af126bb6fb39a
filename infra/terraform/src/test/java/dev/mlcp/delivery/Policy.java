package dev.mlcp.delivery;

import static dev.mlcp.delivery.TerraformConfig.block;
import static dev.mlcp.delivery.TerraformConfig.dynamicContent;
import static dev.mlcp.delivery.TerraformConfig.dynamicForEach;
import static dev.mlcp.delivery.TerraformConfig.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.events.ScheduledJobs;
import dev.mlcp.events.Subscriptions;
import dev.mlcp.events.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The delivery policy, rule by rule, over a parsed Terraform configuration and README.md's action →
 * permission table. Each rule returns what breaks it (empty when it holds), so that the tests can
 * also show that every rule fails on a configuration that breaks it ({@code PolicyMutationTest}).
 */
final class Policy {
  /** Identity of the ML team's user accounts (var.developers_group). */
  static final String DEVELOPERS = "developers";

  /** BigQuery datasets grants may be scoped to (bigquery.tf's local.datasets). */
  static final Set<String> DATASETS = Set.of("dataset:registry", "dataset:scratch");

  /** Who may attach (actAs) which account: the creator of the machines that run as it. */
  static final Map<String, Set<String>> ACT_AS =
      Map.of(
          "experiment-vm", Set.of("notebook"),
          "training-runner", Set.of("training-vm"),
          "serving-deployer", Set.of("model-server"),
          "ci", Set.of("experiment-vm", "training-runner", "artifact-writer", "serving-deployer"));

  /** Topics published by identities other than the services (whose topics their properties say). */
  static final Map<String, Set<String>> OTHER_PUBLISHERS =
      Map.of(
          "training-vm", Set.of(Topics.TRAINING_COMPLETED),
          "ci", Set.of(Topics.TRAINING_REQUESTS, Topics.DEPLOY_REQUESTS));

  /** The one subscription outside Subscriptions.ALL: Cloud Build's wait step (pull, no DLQ). */
  static final String DEPLOY_WAIT = "cloudbuild.deploy-events";

  /** Config keys every service is given (the libraries' @ConfigMapping interfaces). */
  static final List<String> COMMON_KEYS =
      List.of(
          "MLCP_PROJECT_ID",
          "MLCP_PLATFORM",
          "MLCP_REGION",
          "MLCP_ZONES",
          "MLCP_AUTH_AUDIENCES",
          "MLCP_AUTH_ADMINS",
          "MLCP_AUTH_ALLOWED_DOMAINS",
          "MLCP_PUBSUB_PUSH_AUDIENCE",
          "MLCP_PUBSUB_PUSH_SERVICE_ACCOUNT",
          "MLCP_STATE_BUCKET",
          "MLCP_STAGING_BUCKET");

  /** Every IAM membership resource there may be: the grants' wiring and Google's service agent. */
  static final Set<String> IAM_RESOURCES =
      Set.of(
          "google_project_iam_member.grant",
          "google_storage_bucket_iam_member.grant",
          "google_storage_bucket_iam_member.training_inputs",
          "google_pubsub_topic_iam_member.grant",
          "google_pubsub_topic_iam_member.dead_letter_publisher",
          "google_pubsub_subscription_iam_member.grant",
          "google_pubsub_subscription_iam_member.dead_letter_subscriber",
          "google_artifact_registry_repository_iam_member.grant",
          "google_service_account_iam_member.grant",
          "google_service_account_iam_member.pubsub_agent_signs_push_tokens",
          "google_cloud_run_v2_service_iam_member.grant",
          "google_bigquery_dataset_iam_member.grant",
          "google_secret_manager_secret_iam_member.secret_env");

  /**
   * One entry of {@code local.grants}.
   *
   * @param key the grant's key (its custom role is mlcp_<key>)
   * @param account identity key
   * @param scope where it is granted
   * @param condition a key of local.conditions, or null
   * @param permissions the custom role's permissions
   */
  record Grant(
      String key, String account, String scope, String condition, List<String> permissions) {
    /** The scope as README's table writes it. */
    String scopeLabel() {
      return condition == null ? scope : scope + " if " + condition;
    }
  }

  private final TerraformConfig tf;
  private final PermissionTable table;

  Policy(TerraformConfig tf, PermissionTable table) {
    this.tf = tf;
    this.table = table;
  }

  // ---------------------------------------------------------------------------------------------
  // Permissions: seed 004's table

  /** Every granted permission is in a table row of the same identity and scope, and vice versa. */
  List<String> grantsMatchTheTable() {
    List<String> out = new ArrayList<>();
    Map<String, Set<String>> granted = new TreeMap<>();
    for (Grant g : grants()) {
      String where = g.account() + " @ " + g.scopeLabel();
      granted.computeIfAbsent(where, w -> new TreeSet<>()).addAll(g.permissions());
      Set<String> allowed = table.permissions(g.account(), g.scopeLabel());
      for (String p : g.permissions()) {
        if (!allowed.contains(p)) {
          out.add(
              "grant "
                  + g.key()
                  + " gives "
                  + p
                  + " to "
                  + where
                  + ", which no row of README's action → permission table names");
        }
      }
    }
    for (PermissionTable.Row row : table.grantedRows()) {
      String where = row.identity() + " @ " + row.scope();
      for (String p : row.permissions()) {
        if (!granted.getOrDefault(where, Set.of()).contains(p)) {
          out.add(
              "table row '" + row.action() + "' names " + p + " for " + where + ", not granted");
        }
      }
    }
    return out;
  }

  /** Grants name identities, scopes and conditions that exist. */
  List<String> grantsNameWhatExists() {
    List<String> out = new ArrayList<>();
    Set<String> accounts = keys(tf.local("service_accounts"));
    Set<String> conditions = keys(tf.local("conditions"));
    Set<String> buckets = keys(tf.local("buckets"));
    Set<String> topics = keys(tf.local("topics"));
    Set<String> subscriptions = keys(tf.local("subscription_names"));
    Set<String> services = keys(tf.local("services"));
    for (Grant g : grants()) {
      if (!accounts.contains(g.account()) && !g.account().equals(DEVELOPERS)) {
        out.add(g.key() + ": unknown identity " + g.account());
      }
      if (g.condition() != null && !conditions.contains(g.condition())) {
        out.add(g.key() + ": unknown condition " + g.condition());
      }
      if (g.permissions().isEmpty()) {
        out.add(g.key() + ": no permissions");
      }
      String[] scope = g.scope().split(":", 2);
      String target = scope.length == 2 ? scope[1] : "";
      boolean known =
          switch (scope[0]) {
            case "project", "repository", "dataset" ->
                scope.length == 1 || DATASETS.contains(g.scope());
            case "bucket" -> buckets.contains(target);
            case "topic" -> topics.contains(target);
            case "subscription" -> subscriptions.contains(target);
            case "service-account" -> accounts.contains(target);
            case "run-service" -> services.contains(target);
            default -> false;
          };
      if (!known) {
        out.add(g.key() + ": unknown scope " + g.scope());
      }
      if (g.condition() != null && !g.scope().equals("project")) {
        out.add(g.key() + ": conditions are used on project grants only, not " + g.scope());
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // IAM hygiene

  /** No basic roles, no allUsers/allAuthenticatedUsers, no authoritative IAM resources. */
  List<String> noBasicRolesNorPublicAccess() {
    List<String> out = new ArrayList<>();
    Set<String> basic = Set.of("roles/owner", "roles/editor", "roles/viewer");
    tf.resources()
        .forEach(
            (type, byName) ->
                byName.forEach(
                    (name, body) -> {
                      String address = type + "." + name;
                      if (type.endsWith("_iam_policy") || type.endsWith("_iam_binding")) {
                        out.add(address + ": authoritative IAM; use *_iam_member");
                      }
                      strings(
                          body,
                          s -> {
                            if (basic.contains(s.trim())) {
                              out.add(address + ": basic role " + s);
                            }
                            if (s.contains("allUsers") || s.contains("allAuthenticatedUsers")) {
                              out.add(address + ": public member in '" + s + "'");
                            }
                          });
                    }));
    tf.locals()
        .forEach(
            (name, value) ->
                strings(
                    value,
                    s -> {
                      if (s.contains("allUsers") || s.contains("allAuthenticatedUsers")) {
                        out.add("local." + name + ": public member in '" + s + "'");
                      }
                      if (basic.contains(s.trim())) {
                        out.add("local." + name + ": basic role " + s);
                      }
                    }));
    return out;
  }

  /** Every IAM resource is one of the known wirings, each applying local.grants as it should. */
  List<String> iamIsOnlyTheKnownWiring() {
    List<String> out = new ArrayList<>();
    Set<String> present = new TreeSet<>();
    tf.resources()
        .forEach(
            (type, byName) -> {
              if (type.endsWith("_iam_member")) {
                byName.keySet().forEach(n -> present.add(type + "." + n));
              }
            });
    for (String address : present) {
      if (!IAM_RESOURCES.contains(address)) {
        out.add(address + ": an IAM grant outside local.grants (add it to local.grants instead)");
      }
    }
    for (String address : IAM_RESOURCES) {
      if (!present.contains(address)) {
        out.add(address + " is missing");
        continue;
      }
      String[] parts = address.split("\\.");
      JsonNode body = tf.resource(parts[0], parts[1]);
      if (parts[1].equals("grant")) {
        expect(out, address, "role", body, "${google_project_iam_custom_role.grant[each.key].id}");
        expect(out, address, "member", body, "${local.members[each.value.account]}");
        if (!text(body, "for_each").contains("for k, g in local.grants")) {
          out.add(address + ": for_each must filter local.grants");
        }
      }
    }
    if (present.contains("google_project_iam_member.grant")) {
      JsonNode project = tf.resource("google_project_iam_member", "grant");
      if (!dynamicForEach(project, "condition")
          .contains("local.conditions[each.value.condition]")) {
        out.add("google_project_iam_member.grant: conditions must come from local.conditions");
      }
    }
    if (present.contains("google_storage_bucket_iam_member.training_inputs")) {
      JsonNode inputs = tf.resource("google_storage_bucket_iam_member", "training_inputs");
      expect(
          out,
          "training_inputs",
          "role",
          inputs,
          "${google_project_iam_custom_role.grant[\"training-vm-reads-inputs\"].id}");
      expect(out, "training_inputs", "member", inputs, "${local.members[\"training-vm\"]}");
    }
    if (present.contains("google_secret_manager_secret_iam_member.secret_env")) {
      JsonNode secrets = tf.resource("google_secret_manager_secret_iam_member", "secret_env");
      expect(out, "secret_env", "role", secrets, "${google_project_iam_custom_role.secret_env.id}");
      expect(out, "secret_env", "member", secrets, "${local.members[each.value.service]}");
    }
    if (present.contains("google_service_account_iam_member.pubsub_agent_signs_push_tokens")) {
      JsonNode tokens =
          tf.resource("google_service_account_iam_member", "pubsub_agent_signs_push_tokens");
      expect(
          out,
          "pubsub_agent_signs_push_tokens",
          "role",
          tokens,
          "roles/iam.serviceAccountTokenCreator");
      expect(out, "pubsub_agent_signs_push_tokens", "member", tokens, "${local.pubsub_agent}");
      expect(
          out,
          "pubsub_agent_signs_push_tokens",
          "service_account_id",
          tokens,
          "${google_service_account.sa[\"pubsub-push\"].name}");
    }
    Set<String> roles = tf.resources("google_project_iam_custom_role").keySet();
    if (!roles.equals(Set.of("grant", "secret_env"))) {
      out.add("custom roles must be exactly grant (local.grants) and secret_env, were " + roles);
    } else {
      JsonNode grant = tf.resource("google_project_iam_custom_role", "grant");
      expect(out, "custom role grant", "for_each", grant, "${local.grants}");
      expect(out, "custom role grant", "permissions", grant, "${each.value.permissions}");
      JsonNode secretEnv = tf.resource("google_project_iam_custom_role", "secret_env");
      if (!List.of("secretmanager.versions.access").equals(list(secretEnv.path("permissions")))) {
        out.add("custom role secret_env must hold secretmanager.versions.access only");
      }
    }
    String members = normalized(tf.local("members").asText());
    if (!members.contains(
            "{ for k, sa in google_service_account.sa : k => \"serviceAccount:${sa.email}\" }")
        || !members.contains("{ developers = var.developers_group }")) {
      out.add(
          "local.members must map each account key to its serviceAccount and developers to var.developers_group");
    }
    return out;
  }

  /** actAs (and any iam.serviceAccounts.*) only on single accounts, only to their creators. */
  List<String> actAsOnlyOnTheAccountsAttached() {
    List<String> out = new ArrayList<>();
    for (Grant g : grants()) {
      for (String p : g.permissions()) {
        if (!p.startsWith("iam.serviceAccounts.")) {
          continue;
        }
        if (!g.scope().startsWith("service-account:")) {
          out.add(g.key() + ": " + p + " on " + g.scope() + "; only on one service account");
          continue;
        }
        String target = g.scope().substring("service-account:".length());
        if (p.equals("iam.serviceAccounts.actAs")
            && !ACT_AS.getOrDefault(g.account(), Set.of()).contains(target)) {
          out.add(g.key() + ": " + g.account() + " may not act as " + target);
        }
        if (!p.equals("iam.serviceAccounts.actAs") && !target.equals(g.account())) {
          out.add(g.key() + ": " + p + " only on the holder's own account");
        }
      }
    }
    tf.resources()
        .forEach(
            (type, byName) ->
                byName.forEach(
                    (name, body) ->
                        strings(
                            body,
                            s -> {
                              if (s.contains("roles/iam.serviceAccountUser")) {
                                out.add(type + "." + name + ": roles/iam.serviceAccountUser");
                              }
                            })));
    return out;
  }

  /** Training VMs delete instances only under the condition on training-runner's name prefix. */
  List<String> trainingVmDeletesOnlyTrainingVms() {
    List<String> out = new ArrayList<>();
    boolean deletes = false;
    for (Grant g : grants()) {
      if (!g.account().equals("training-vm")) {
        continue;
      }
      for (String p : g.permissions()) {
        if (p.startsWith("compute.")) {
          deletes |= p.equals("compute.instances.delete");
          if (!"training-vms".equals(g.condition())) {
            out.add(g.key() + ": training-vm holds " + p + " without the training-vms condition");
          }
        }
      }
    }
    if (!deletes) {
      out.add("training-vm cannot delete its instance (compute.instances.delete)");
    }
    String expression = text(tf.local("conditions").path("training-vms"), "expression");
    if (!expression.contains(
            "resource.name.extract(\"/instances/{name}\").startsWith(\"${local.training_vm_name_prefix}\")")
        || !expression.contains("resource.type == \"compute.googleapis.com/Instance\"")
        || expression.contains("||")) {
      out.add("condition training-vms must be the instance name prefix, was: " + expression);
    }
    if (!"run-".equals(tf.local("training_vm_name_prefix").asText())) {
      out.add("local.training_vm_name_prefix must be run-, the prefix of training-runner's VMs");
    }
    Path runService =
        Repo.root()
            .resolve(
                "services/training-runner/src/main/java/dev/mlcp/training/runs/RunService.java");
    if (!read(runService).contains("ids.prefixed(\"run\")")) {
      out.add("training-runner no longer names runs (and VMs) run-<id>: update the condition");
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Pub/Sub

  /** Publishers: each service its declared topics, training VMs completions, CI the requests. */
  List<String> publishersAreExactlyWhoTheCodeSays() {
    List<String> out = new ArrayList<>();
    Map<String, Set<String>> publishes = new TreeMap<>();
    for (Grant g : grants()) {
      if (g.permissions().stream().anyMatch(p -> p.startsWith("pubsub.topics."))) {
        if (!g.scope().startsWith("topic:")) {
          out.add(g.key() + ": Pub/Sub topic permissions on " + g.scope() + "; grant per topic");
          continue;
        }
        publishes
            .computeIfAbsent(g.account(), a -> new TreeSet<>())
            .add(g.scope().substring("topic:".length()));
      }
    }
    Map<String, Set<String>> expected = new TreeMap<>(OTHER_PUBLISHERS);
    JsonNode declared = tf.local("service_publishes");
    for (String service : CodeLists.services()) {
      Set<String> topics = new TreeSet<>(CodeLists.outgoingTopics(service));
      if (!topics.equals(new TreeSet<>(list(declared.path(service))))) {
        out.add("local.service_publishes." + service + " is stale (regenerate code_lists.tf.json)");
      }
      if (!topics.isEmpty()) {
        expected.put(service, topics);
      }
    }
    for (String account : union(publishes.keySet(), expected.keySet())) {
      Set<String> has = publishes.getOrDefault(account, Set.of());
      Set<String> should = expected.getOrDefault(account, Set.of());
      if (!has.equals(should)) {
        out.add(account + " publishes to " + has + ", the code says " + should);
      }
    }
    return out;
  }

  /** Topics: exactly Topics.ALL, each with its dead-letter twin. */
  List<String> topicsAreTheCodesList() {
    List<String> out = new ArrayList<>();
    JsonNode topics = tf.local("topics");
    if (!List.copyOf(keys(topics)).equals(List.copyOf(new TreeSet<>(Topics.ALL)))) {
      out.add("local.topics " + keys(topics) + " != Topics.ALL " + new TreeSet<>(Topics.ALL));
    }
    for (String topic : Topics.ALL) {
      if (!Topics.deadLetterOf(topic).equals(text(topics.path(topic), "dead_letter"))) {
        out.add("local.topics." + topic + ".dead_letter != " + Topics.deadLetterOf(topic));
      }
    }
    Set<String> resources = tf.resources("google_pubsub_topic").keySet();
    if (!resources.equals(Set.of("topic", "dead_letter"))) {
      out.add("google_pubsub_topic must be exactly topic and dead_letter, was " + resources);
    } else {
      JsonNode topic = tf.resource("google_pubsub_topic", "topic");
      expect(out, "google_pubsub_topic.topic", "for_each", topic, "${local.topics}");
      expect(out, "google_pubsub_topic.topic", "name", topic, "${each.key}");
      JsonNode deadLetter = tf.resource("google_pubsub_topic", "dead_letter");
      expect(out, "google_pubsub_topic.dead_letter", "for_each", deadLetter, "${local.topics}");
      expect(
          out, "google_pubsub_topic.dead_letter", "name", deadLetter, "${each.value.dead_letter}");
    }
    return out;
  }

  /** Subscriptions: exactly Subscriptions.ALL, push with OIDC, dead-letter policy each. */
  List<String> subscriptionsAreTheCodesListWithDeadLettersAndOidcPush() {
    List<String> out = new ArrayList<>();
    JsonNode subscriptions = tf.local("subscriptions");
    Set<String> names =
        Subscriptions.ALL.stream()
            .map(Subscriptions.Subscription::name)
            .collect(Collectors.toCollection(TreeSet::new));
    if (!keys(subscriptions).equals(names)) {
      out.add("local.subscriptions " + keys(subscriptions) + " != Subscriptions.ALL " + names);
    }
    for (Subscriptions.Subscription s : Subscriptions.ALL) {
      JsonNode entry = subscriptions.path(s.name());
      if (!s.topic().equals(text(entry, "topic"))
          || !s.service().equals(text(entry, "service"))
          || !s.pushPath().equals(text(entry, "push_path"))) {
        out.add("local.subscriptions." + s.name() + " differs from the code's " + s);
      }
    }
    if (tf.local("max_delivery_attempts").asInt() != Topics.MAX_DELIVERY_ATTEMPTS) {
      out.add("local.max_delivery_attempts != Topics.MAX_DELIVERY_ATTEMPTS");
    }
    Set<String> resources = tf.resources("google_pubsub_subscription").keySet();
    if (!resources.equals(Set.of("service", "dead_letter", "deploy_wait"))) {
      out.add(
          "google_pubsub_subscription must be exactly service (Subscriptions.ALL), dead_letter and"
              + " deploy_wait, was "
              + resources);
      return out;
    }
    String a = "google_pubsub_subscription.service";
    JsonNode service = tf.resource("google_pubsub_subscription", "service");
    expect(out, a, "for_each", service, "${local.subscriptions}");
    expect(out, a, "name", service, "${each.key}");
    expect(out, a, "topic", service, "${google_pubsub_topic.topic[each.value.topic].id}");
    expect(out, a, "ack_deadline_seconds", service, "${local.ack_deadline_seconds}");
    JsonNode dlq = block(service, "dead_letter_policy");
    expect(
        out,
        a + ".dead_letter_policy",
        "dead_letter_topic",
        dlq,
        "${google_pubsub_topic.dead_letter[each.value.topic].id}");
    expect(
        out,
        a + ".dead_letter_policy",
        "max_delivery_attempts",
        dlq,
        "${local.max_delivery_attempts}");
    if (block(service, "retry_policy").isMissingNode()) {
      out.add(a + ": no retry_policy");
    }
    if (!block(service, "push_config").isMissingNode()) {
      out.add(a + ": push_config must be the dynamic block (push once the channel is declared)");
    }
    if (!dynamicForEach(service, "push_config").equals("${each.value.push ? [each.value] : []}")) {
      out.add(a + ": push_config must exist exactly for each.value.push");
    }
    JsonNode push = dynamicContent(service, "push_config");
    expect(
        out,
        a + ".push_config",
        "push_endpoint",
        push,
        "${local.service_urls[each.value.service]}${each.value.push_path}");
    JsonNode oidc = block(push, "oidc_token");
    expect(
        out,
        a + ".push_config.oidc_token",
        "service_account_email",
        oidc,
        "${google_service_account.sa[\"pubsub-push\"].email}");
    expect(
        out,
        a + ".push_config.oidc_token",
        "audience",
        oidc,
        "${local.service_urls[each.value.service]}");

    String d = "google_pubsub_subscription.dead_letter";
    JsonNode deadLetter = tf.resource("google_pubsub_subscription", "dead_letter");
    expect(out, d, "for_each", deadLetter, "${local.topics}");
    expect(out, d, "topic", deadLetter, "${google_pubsub_topic.dead_letter[each.key].id}");
    noPush(out, d, deadLetter);

    String w = "google_pubsub_subscription.deploy_wait";
    JsonNode wait = tf.resource("google_pubsub_subscription", "deploy_wait");
    expect(out, w, "name", wait, DEPLOY_WAIT);
    expect(
        out, w, "topic", wait, "${google_pubsub_topic.topic[\"" + Topics.DEPLOY_EVENTS + "\"].id}");
    noPush(out, w, wait);
    return out;
  }

  /** The Pub/Sub service agent publishes to every dead-letter topic, subscribes to every source. */
  List<String> deadLetterGrantsOfThePubSubAgentExist() {
    List<String> out = new ArrayList<>();
    String agent = tf.local("pubsub_agent").asText();
    if (!agent.equals(
        "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com")) {
      out.add("local.pubsub_agent is not the Pub/Sub service agent: " + agent);
    }
    JsonNode publisher =
        tf.resources("google_pubsub_topic_iam_member").get("dead_letter_publisher");
    if (publisher == null) {
      out.add("google_pubsub_topic_iam_member.dead_letter_publisher is missing");
    } else {
      String a = "dead_letter_publisher";
      expect(out, a, "for_each", publisher, "${local.topics}");
      expect(out, a, "topic", publisher, "${google_pubsub_topic.dead_letter[each.key].name}");
      expect(out, a, "role", publisher, "roles/pubsub.publisher");
      expect(out, a, "member", publisher, "${local.pubsub_agent}");
    }
    JsonNode subscriber =
        tf.resources("google_pubsub_subscription_iam_member").get("dead_letter_subscriber");
    if (subscriber == null) {
      out.add("google_pubsub_subscription_iam_member.dead_letter_subscriber is missing");
    } else {
      String a = "dead_letter_subscriber";
      expect(out, a, "for_each", subscriber, "${local.subscriptions}");
      expect(
          out,
          a,
          "subscription",
          subscriber,
          "${google_pubsub_subscription.service[each.key].name}");
      expect(out, a, "role", subscriber, "roles/pubsub.subscriber");
      expect(out, a, "member", subscriber, "${local.pubsub_agent}");
    }
    return out;
  }

  /** Push and scheduler invoke exactly the services the code sends them to. */
  List<String> invokersAreExactlyWhereTheCodeCalls() {
    List<String> out = new ArrayList<>();
    Set<String> pushed = new TreeSet<>();
    JsonNode subscriptions = tf.local("subscriptions");
    for (Iterator<Map.Entry<String, JsonNode>> it = subscriptions.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> s = it.next();
      if (s.getValue().path("push").asBoolean()) {
        pushed.add(text(s.getValue(), "service"));
      }
      if (s.getValue().path("pulled_by_service").asBoolean()) {
        String service = text(s.getValue(), "service");
        boolean consumes =
            grants().stream()
                .anyMatch(
                    g ->
                        g.account().equals(service)
                            && g.scope().equals("subscription:" + s.getKey())
                            && g.permissions().contains("pubsub.subscriptions.consume"));
        if (!consumes) {
          out.add(service + " pulls " + s.getKey() + " but may not consume it");
        }
      }
    }
    Set<String> scheduled = new TreeSet<>();
    tf.local("scheduled_jobs").forEach(j -> scheduled.add(text(j, "service")));
    Set<String> pushInvokes = invoked("pubsub-push");
    if (!pushInvokes.equals(pushed)) {
      out.add("pubsub-push may invoke " + pushInvokes + "; push subscriptions go to " + pushed);
    }
    Set<String> schedulerInvokes = invoked("scheduler");
    if (!schedulerInvokes.equals(scheduled)) {
      out.add("scheduler may invoke " + schedulerInvokes + "; scheduled jobs call " + scheduled);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduler

  /** Scheduler jobs: exactly ScheduledJobs.ALL, OIDC as the scheduler's account. */
  List<String> scheduledJobsAreTheCodesList() {
    List<String> out = new ArrayList<>();
    JsonNode jobs = tf.local("scheduled_jobs");
    Set<String> names =
        ScheduledJobs.ALL.stream()
            .map(ScheduledJobs.Job::name)
            .collect(Collectors.toCollection(TreeSet::new));
    if (!keys(jobs).equals(names)) {
      out.add("local.scheduled_jobs " + keys(jobs) + " != ScheduledJobs.ALL " + names);
    }
    Set<String> accounts = keys(tf.local("service_accounts"));
    for (ScheduledJobs.Job job : ScheduledJobs.ALL) {
      JsonNode entry = jobs.path(job.name());
      if (!job.service().equals(text(entry, "service"))
          || !job.path().equals(text(entry, "path"))
          || !job.method().name().equals(text(entry, "method"))
          || !job.cron().equals(text(entry, "cron"))) {
        out.add("local.scheduled_jobs." + job.name() + " differs from the code's " + job);
      }
      String caller = text(entry, "caller");
      if (!accounts.contains(caller)
          || !(CodeLists.ACCOUNT_PREFIX + caller).equals(job.caller().accountId())) {
        out.add(
            job.name() + ": caller " + job.caller().accountId() + " is no mlcp service account");
      }
    }
    JsonNode sa = tf.resource("google_service_account", "sa");
    expect(out, "google_service_account.sa", "account_id", sa, "mlcp-${each.key}");
    Set<String> resources = tf.resources("google_cloud_scheduler_job").keySet();
    if (!resources.equals(Set.of("job"))) {
      out.add(
          "google_cloud_scheduler_job must be exactly job (ScheduledJobs.ALL), was " + resources);
      return out;
    }
    String a = "google_cloud_scheduler_job.job";
    JsonNode job = tf.resource("google_cloud_scheduler_job", "job");
    expect(out, a, "for_each", job, "${local.scheduled_jobs}");
    expect(out, a, "name", job, "${each.key}");
    expect(out, a, "schedule", job, "${each.value.cron}");
    JsonNode http = block(job, "http_target");
    expect(out, a + ".http_target", "http_method", http, "${each.value.method}");
    expect(
        out,
        a + ".http_target",
        "uri",
        http,
        "${local.service_urls[each.value.service]}${each.value.path}");
    JsonNode oidc = block(http, "oidc_token");
    expect(
        out,
        a + ".http_target.oidc_token",
        "service_account_email",
        oidc,
        "${google_service_account.sa[each.value.caller].email}");
    expect(
        out,
        a + ".http_target.oidc_token",
        "audience",
        oidc,
        "${local.service_urls[each.value.service]}");
    return out;
  }

  /** The scheduler's account is an admin of every service (internal endpoints need admin). */
  List<String> schedulerIsAdminOfEveryService() {
    List<String> out = new ArrayList<>();
    Map<String, String> common = envEntries(tf.local("common_env").asText());
    String admins = common.getOrDefault("MLCP_AUTH_ADMINS", "");
    if (!admins.contains("google_service_account.sa[\"scheduler\"].email")) {
      out.add("MLCP_AUTH_ADMINS must include the scheduler's account, was: " + admins);
    }
    if (!normalized(tf.local("common_env").asText())
        .startsWith("${{ for s in keys(local.services) : s =>")) {
      out.add("local.common_env must cover every service (for s in keys(local.services))");
    }
    String env = normalized(tf.local("env").asText());
    if (!env.equals(
        "${{ for s in keys(local.services) : s => merge(local.common_env[s], local.own_env[s], lookup(var.service_env, s, {})) }}")) {
      out.add("local.env must be common_env, own_env, then var.service_env, was: " + env);
    }
    boolean guarded =
        tf.variables().get("service_env").path("validation").findValuesAsText("condition").stream()
            .anyMatch(c -> c.contains("\"MLCP_AUTH_ADMINS\""));
    if (!guarded) {
      out.add("var.service_env must refuse MLCP_AUTH_ADMINS (it would drop the scheduler)");
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Cloud Run

  /**
   * Every ${MLCP_…} the services' configuration reads is set, with the keys every service needs.
   */
  List<String> servicesGetTheirConfigKeys() {
    List<String> out = new ArrayList<>();
    Map<String, String> common = envEntries(tf.local("common_env").asText());
    for (String key : COMMON_KEYS) {
      if (!common.containsKey(key)) {
        out.add("local.common_env lacks " + key);
      }
    }
    if (!common.getOrDefault("MLCP_AUTH_AUDIENCES", "").contains("[local.service_urls[s]]")
        || !"local.service_urls[s]".equals(common.get("MLCP_PUBSUB_PUSH_AUDIENCE"))) {
      out.add("audiences must include the service URL, which push subscriptions and jobs send");
    }
    if (!"google_service_account.sa[\"pubsub-push\"].email"
        .equals(common.get("MLCP_PUBSUB_PUSH_SERVICE_ACCOUNT"))) {
      out.add("MLCP_PUBSUB_PUSH_SERVICE_ACCOUNT must be the push subscriptions' account");
    }
    if (!"\"gcp\"".equals(common.get("MLCP_PLATFORM"))) {
      out.add("MLCP_PLATFORM must be gcp");
    }
    JsonNode own = tf.local("own_env");
    Pattern reference = Pattern.compile("\\$\\{(MLCP_[A-Z0-9_]+)");
    List<Path> libs = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Repo.root().resolve("libs"))) {
      files.filter(p -> p.endsWith("META-INF/microprofile-config.properties")).forEach(libs::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String service : CodeLists.services()) {
      Set<String> keys = new TreeSet<>(common.keySet());
      keys.addAll(keys(own.path(service)));
      List<Path> sources = new ArrayList<>(libs);
      sources.add(Repo.applicationProperties(service));
      for (Path source : sources) {
        Matcher m = reference.matcher(read(source));
        while (m.find()) {
          if (!keys.contains(m.group(1)) && !m.group(1).equals("MLCP_LOG_JSON")) {
            out.add(
                service
                    + " reads ${"
                    + m.group(1)
                    + "} ("
                    + Repo.root().relativize(source)
                    + "), which Terraform does not set");
          }
        }
      }
    }
    JsonNode training = own.path("training-runner");
    if (!"${google_service_account.sa[\"training-vm\"].email}"
        .equals(text(training, "MLCP_TRAINING_VM_SERVICE_ACCOUNT"))) {
      out.add("training-runner's MLCP_TRAINING_VM_SERVICE_ACCOUNT must be the training-vm account");
    }
    if (!text(training, "MLCP_TRAINING_REQUEST_SOURCES")
        .startsWith("//cloudbuild/${var.project_id}/train=")) {
      out.add("MLCP_TRAINING_REQUEST_SOURCES must allow the manual training trigger's source");
    }
    return out;
  }

  /** Cloud Run: the four services, private (IAM on), from zero, CPU boost, own accounts. */
  List<String> cloudRunServicesArePrivate() {
    List<String> out = new ArrayList<>();
    Set<String> services = keys(tf.local("services"));
    if (!services.equals(new TreeSet<>(CodeLists.services()))) {
      out.add("local.services " + services + " != services/ " + CodeLists.services());
    }
    for (String variable : List.of("images", "service_env", "service_secrets")) {
      Set<String> named = new TreeSet<>();
      Matcher m =
          Pattern.compile("\"([a-z-]+)\"")
              .matcher(text(block(tf.variables().get(variable), "validation"), "condition"));
      while (m.find()) {
        named.add(m.group(1));
      }
      if (!named.equals(services)) {
        out.add(
            "var." + variable + "'s validation names " + named + ", not the services " + services);
      }
    }
    if (!tf.resources("google_cloud_run_service").isEmpty()) {
      out.add("use google_cloud_run_v2_service only");
    }
    Set<String> resources = tf.resources("google_cloud_run_v2_service").keySet();
    if (!resources.equals(Set.of("service"))) {
      out.add(
          "google_cloud_run_v2_service must be exactly service (local.services), was " + resources);
      return out;
    }
    String a = "google_cloud_run_v2_service.service";
    JsonNode service = tf.resource("google_cloud_run_v2_service", "service");
    expect(out, a, "for_each", service, "${local.services}");
    expect(out, a, "ingress", service, "${var.ingress}");
    if (service.has("invoker_iam_disabled") || service.has("default_uri_disabled")) {
      out.add(a + ": IAM invoker checks must stay on");
    }
    JsonNode template = block(service, "template");
    expect(
        out,
        a + ".template",
        "service_account",
        template,
        "${google_service_account.sa[each.key].email}");
    JsonNode scaling = block(template, "scaling");
    expect(out, a + ".template.scaling", "min_instance_count", scaling, "0");
    expect(out, a + ".template.scaling", "max_instance_count", scaling, "${var.max_instances}");
    JsonNode container = block(template, "containers");
    expect(out, a + ".containers", "image", container, "${local.images[each.key]}");
    if (!block(container, "resources").path("startup_cpu_boost").asBoolean(false)) {
      out.add(a + ": startup_cpu_boost must be on");
    }
    String ingress = text(block(tf.variables().get("ingress"), "validation"), "condition");
    Matcher m = Pattern.compile("INGRESS_TRAFFIC_[A-Z_]+").matcher(ingress);
    Set<String> allowed = new TreeSet<>();
    while (m.find()) {
      allowed.add(m.group());
    }
    if (!allowed.equals(Set.of("INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"))) {
      out.add("var.ingress must allow ALL or INTERNAL_LOAD_BALANCER only, allows " + allowed);
    }
    for (Grant g : grants()) {
      if (g.permissions().stream().anyMatch(p -> p.startsWith("run.routes."))
          && !g.scope().startsWith("run-service:")) {
        out.add(g.key() + ": invoke on " + g.scope() + "; grant it per service");
      }
    }
    return out;
  }

  /** Accounts: one per identity of the table, the services' named after them. */
  List<String> serviceAccountsAreOnePerIdentity() {
    List<String> out = new ArrayList<>();
    Set<String> accounts = keys(tf.local("service_accounts"));
    Set<String> identities = new TreeSet<>();
    table.grantedRows().forEach(r -> identities.add(r.identity()));
    identities.remove(DEVELOPERS);
    if (!accounts.equals(identities)) {
      out.add("service accounts " + accounts + " != the table's identities " + identities);
    }
    for (String service : keys(tf.local("services"))) {
      if (!accounts.contains(service)) {
        out.add("service " + service + " has no account of its name");
      }
    }
    Set<String> holders = new TreeSet<>();
    grants().forEach(g -> holders.add(g.account()));
    for (String account : accounts) {
      if (!holders.contains(account)) {
        out.add("account " + account + " holds no grant: remove it");
      }
    }
    for (String account : accounts) {
      String id = CodeLists.ACCOUNT_PREFIX + account;
      if (id.length() > 30 || !id.matches("[a-z][a-z0-9-]{4,28}[a-z0-9]")) {
        out.add("account id " + id + " is not a valid service account id");
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Storage, variables, APIs

  /** Buckets: uniform access, public access prevented; staging expires; artifacts retained. */
  List<String> bucketsAreHardened() {
    List<String> out = new ArrayList<>();
    Map<String, JsonNode> buckets = tf.resources("google_storage_bucket");
    if (!buckets.keySet().equals(Set.of("state", "staging", "artifacts"))) {
      out.add("buckets must be state, staging and artifacts, were " + buckets.keySet());
    }
    buckets.forEach(
        (name, b) -> {
          if (!b.path("uniform_bucket_level_access").asBoolean(false)) {
            out.add(name + ": uniform_bucket_level_access must be true");
          }
          if (!"enforced".equals(text(b, "public_access_prevention"))) {
            out.add(name + ": public_access_prevention must be enforced");
          }
        });
    JsonNode artifacts = buckets.get("artifacts");
    if (artifacts != null) {
      if (!block(artifacts, "versioning").path("enabled").asBoolean(false)) {
        out.add("artifacts: versioning must be on");
      }
      if (!text(block(artifacts, "retention_policy"), "retention_period")
          .contains("var.registry_retention_days")) {
        out.add("artifacts: a retention policy of var.registry_retention_days must keep versions");
      }
      if (artifacts.path("force_destroy").asBoolean(false)) {
        out.add("artifacts: never force_destroy");
      }
    }
    JsonNode staging = buckets.get("staging");
    if (staging != null) {
      JsonNode rule = block(staging, "lifecycle_rule");
      if (!"Delete".equals(text(block(rule, "action"), "type"))
          || !"${var.staging_retention_days}".equals(text(block(rule, "condition"), "age"))) {
        out.add("staging: objects must be deleted after var.staging_retention_days");
      }
    }
    return out;
  }

  /** Every variable typed and described, every output described; URLs and accounts output. */
  List<String> variablesTypedAndOutputsComplete() {
    List<String> out = new ArrayList<>();
    tf.variables()
        .forEach(
            (name, v) -> {
              if (text(v, "type").isBlank()) {
                out.add("variable " + name + " has no type");
              }
              if (text(v, "description").isBlank()) {
                out.add("variable " + name + " has no description");
              }
            });
    tf.outputs()
        .forEach(
            (name, o) -> {
              if (text(o, "description").isBlank()) {
                out.add("output " + name + " has no description");
              }
            });
    JsonNode urls = tf.outputs().get("service_urls");
    if (urls == null || !"${local.service_urls}".equals(text(urls, "value"))) {
      out.add("output service_urls must be local.service_urls");
    }
    JsonNode accounts = tf.outputs().get("service_accounts");
    if (accounts == null
        || !normalized(text(accounts, "value"))
            .equals("${{ for k, sa in google_service_account.sa : k => sa.email }}")) {
      out.add("output service_accounts must list every google_service_account.sa");
    }
    for (String url : List.of("serving_url", "image_registry", "console_urls")) {
      if (!tf.outputs().containsKey(url)) {
        out.add("output " + url + " is missing");
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** local.grants, parsed. */
  List<Grant> grants() {
    List<Grant> out = new ArrayList<>();
    tf.local("grants")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode g = e.getValue();
              JsonNode condition = g.path("condition");
              out.add(
                  new Grant(
                      e.getKey(),
                      text(g, "account"),
                      text(g, "scope"),
                      condition.isTextual() ? condition.asText() : null,
                      list(g.path("permissions"))));
            });
    return out;
  }

  private Set<String> invoked(String account) {
    Set<String> out = new TreeSet<>();
    for (Grant g : grants()) {
      if (g.account().equals(account) && g.permissions().contains("run.routes.invoke")) {
        out.add(g.scope().replaceFirst("^run-service:", ""));
      }
    }
    return out;
  }

  private static void noPush(List<String> out, String address, JsonNode subscription) {
    if (!block(subscription, "push_config").isMissingNode()
        || !block(subscription.path("dynamic"), "push_config").isMissingNode()) {
      out.add(address + " must be a pull subscription");
    }
  }

  private static void expect(
      List<String> out, String address, String field, JsonNode block, String expected) {
    String actual = text(block, field);
    if (!normalized(actual).equals(normalized(expected))) {
      out.add(address + "." + field + " must be " + expected + ", was '" + actual + "'");
    }
  }

  /** KEY = value lines of an object expression's source. */
  static Map<String, String> envEntries(String source) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^\\s*(MLCP_[A-Z0-9_]+)\\s*=\\s*(.+?)\\s*$").matcher(source);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  static String normalized(String s) {
    return s.replaceAll("\\s+", " ").trim();
  }

  static Set<String> keys(JsonNode object) {
    Set<String> out = new TreeSet<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  static List<String> list(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return out;
  }

  private static void strings(JsonNode node, Consumer<String> each) {
    if (node.isTextual()) {
      each.accept(node.asText());
    } else if (node.isContainerNode()) {
      node.forEach(child -> strings(child, each));
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
