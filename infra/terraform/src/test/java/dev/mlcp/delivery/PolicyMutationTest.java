package dev.mlcp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each policy rule fails when its rule is broken: every mutation below edits a copy of
 * infra/terraform (HCL, the generated lists or README's table) the way a careless change would, and
 * the rule it targets must then report a violation. A mutation whose text is no longer found fails
 * too, so the list follows the configuration.
 */
class PolicyMutationTest {
  private static final String APPEND = "";
  private static final Path REPORT = Path.of("target/policy-mutations.txt");

  /**
   * One way to break one rule.
   *
   * @param name what the mutation does
   * @param rule the rule that must catch it
   * @param file the file (in infra/terraform) to edit
   * @param find text that must occur exactly once ({@link #APPEND}: append to the file)
   * @param replace what it becomes
   */
  record Mutation(
      String name, Function<Policy, List<String>> rule, String file, String find, String replace) {}

  static List<Mutation> mutations() {
    return List.of(
        new Mutation(
            "training-runner gets a permission the table does not name",
            Policy::grantsMatchTheTable,
            "iam.tf",
            "\"logging.logEntries.list\",",
            "\"logging.logEntries.list\", \"compute.instances.setTags\","),
        new Mutation(
            "a table row is removed while its permission stays granted",
            Policy::grantsMatchTheTable,
            "README.md",
            "| mlcp | Publish the completion (nobody else may) | `training-vm` | `topic:training-completed` | `pubsub.topics.publish` |\n",
            ""),
        new Mutation(
            "a grant names a condition that does not exist",
            Policy::grantsNameWhatExists,
            "iam.tf",
            "account = \"training-vm\", scope = \"project\", condition = \"ml-secrets\"",
            "account = \"training-vm\", scope = \"project\", condition = \"ml-secret\""),
        new Mutation(
            "the Pub/Sub agent's dead-letter grant becomes roles/editor",
            Policy::noBasicRolesNorPublicAccess,
            "pubsub.tf",
            "role   = \"roles/pubsub.publisher\"",
            "role   = \"roles/editor\""),
        new Mutation(
            "a dead-letter topic is opened to allUsers",
            Policy::noBasicRolesNorPublicAccess,
            "pubsub.tf",
            "  role   = \"roles/pubsub.publisher\"\n  member = local.pubsub_agent",
            "  role   = \"roles/pubsub.publisher\"\n  member = \"allUsers\""),
        new Mutation(
            "an IAM grant is added outside local.grants",
            Policy::iamIsOnlyTheKnownWiring,
            "iam.tf",
            APPEND,
            "\nresource \"google_project_iam_member\" \"extra\" {\n  project = var.project_id\n"
                + "  role    = \"roles/run.admin\"\n  member  = local.members[\"ci\"]\n}\n"),
        new Mutation(
            "training-runner may act as the CI/CD account",
            Policy::actAsOnlyOnTheAccountsAttached,
            "iam.tf",
            "scope = \"service-account:training-vm\"",
            "scope = \"service-account:ci\""),
        new Mutation(
            "CI/CD gets actAs project-wide",
            Policy::actAsOnlyOnTheAccountsAttached,
            "iam.tf",
            "\"logging.logEntries.create\", \"run.operations.get\"",
            "\"logging.logEntries.create\", \"iam.serviceAccounts.actAs\", \"run.operations.get\""),
        new Mutation(
            "the training VM's delete loses its condition",
            Policy::trainingVmDeletesOnlyTrainingVms,
            "iam.tf",
            "scope = \"project\", condition = \"training-vms\"",
            "scope = \"project\", condition = null"),
        new Mutation(
            "the condition no longer checks the run- prefix",
            Policy::trainingVmDeletesOnlyTrainingVms,
            "iam.tf",
            "startsWith(\\\"${local.training_vm_name_prefix}\\\")\"",
            "startsWith(\\\"\\\")\""),
        new Mutation(
            "training-runner may publish completions",
            Policy::publishersAreExactlyWhoTheCodeSays,
            "iam.tf",
            "scope = \"topic:run-events\"",
            "scope = \"topic:training-completed\""),
        new Mutation(
            "a topic the code does not list",
            Policy::topicsAreTheCodesList,
            "pubsub.tf",
            APPEND,
            "\nresource \"google_pubsub_topic\" \"extra\" {\n  name = \"extra\"\n}\n"),
        new Mutation(
            "a topic of the code is missing from the lists",
            Policy::topicsAreTheCodesList,
            CodeLists.FILE,
            "},\n      \"experiment-events\" : {\n        \"dead_letter\" : \"experiment-events-dead-letter\"\n      }",
            "}"),
        new Mutation(
            "subscriptions lose max_delivery_attempts",
            Policy::subscriptionsAreTheCodesListWithDeadLettersAndOidcPush,
            "pubsub.tf",
            "    max_delivery_attempts = local.max_delivery_attempts\n",
            ""),
        new Mutation(
            "push tokens carry another audience",
            Policy::subscriptionsAreTheCodesListWithDeadLettersAndOidcPush,
            "pubsub.tf",
            "        audience              = local.service_urls[each.value.service]",
            "        audience              = \"https://example.com\""),
        new Mutation(
            "a subscription the code does not list",
            Policy::subscriptionsAreTheCodesListWithDeadLettersAndOidcPush,
            "pubsub.tf",
            APPEND,
            "\nresource \"google_pubsub_subscription\" \"extra\" {\n  name  = \"extra\"\n"
                + "  topic = google_pubsub_topic.topic[\"run-events\"].id\n}\n"),
        new Mutation(
            "the Pub/Sub agent may not publish to dead-letter topics",
            Policy::deadLetterGrantsOfThePubSubAgentExist,
            "pubsub.tf",
            "role   = \"roles/pubsub.publisher\"",
            "role   = \"roles/pubsub.viewer\""),
        new Mutation(
            "the push identity may invoke a service nothing pushes to",
            Policy::invokersAreExactlyWhereTheCodeCalls,
            "iam.tf",
            "account = \"pubsub-push\", scope = \"run-service:training-runner\"",
            "account = \"pubsub-push\", scope = \"run-service:artifact-writer\""),
        new Mutation(
            "scheduler tokens carry another audience",
            Policy::scheduledJobsAreTheCodesList,
            "scheduler.tf",
            "audience              = local.service_urls[each.value.service]",
            "audience              = \"https://example.com\""),
        new Mutation(
            "a scheduled job of the code is missing from the lists",
            Policy::scheduledJobsAreTheCodesList,
            CodeLists.FILE,
            "\"training-runner-schedules-tick\"",
            "\"training-runner-ticks\""),
        new Mutation(
            "the scheduler is no longer an admin",
            Policy::schedulerIsAdminOfEveryService,
            "main.tf",
            "join(\",\", concat([google_service_account.sa[\"scheduler\"].email], var.admins))",
            "join(\",\", var.admins)"),
        new Mutation(
            "the staging bucket a service reads is not set",
            Policy::servicesGetTheirConfigKeys,
            "main.tf",
            "    MLCP_STAGING_BUCKET              = google_storage_bucket.staging.name\n",
            ""),
        new Mutation(
            "Cloud Run's invoker check is turned off",
            Policy::cloudRunServicesArePrivate,
            "run.tf",
            "  ingress             = var.ingress\n",
            "  ingress             = var.ingress\n  invoker_iam_disabled = true\n"),
        new Mutation(
            "Cloud Run keeps an instance warm",
            Policy::cloudRunServicesArePrivate,
            "run.tf",
            "min_instance_count = 0",
            "min_instance_count = 1"),
        new Mutation(
            "an account no process uses",
            Policy::serviceAccountsAreOnePerIdentity,
            "iam.tf",
            "    \"pubsub-push\"      = {",
            "    \"spare\"            = { process = \"Platform\", description = \"unused\" }\n"
                + "    \"pubsub-push\"      = {"),
        new Mutation(
            "the state bucket allows public access",
            Policy::bucketsAreHardened,
            "storage.tf",
            "  name                        = \"${local.bucket_prefix}-state\"\n  location                    = var.region\n  uniform_bucket_level_access = true\n  public_access_prevention    = \"enforced\"",
            "  name                        = \"${local.bucket_prefix}-state\"\n  location                    = var.region\n  uniform_bucket_level_access = true\n  public_access_prevention    = \"inherited\""),
        new Mutation(
            "the artifacts bucket loses its retention policy",
            Policy::bucketsAreHardened,
            "storage.tf",
            "    retention_period = var.registry_retention_days * 86400\n",
            "    retention_period = 0\n"),
        new Mutation(
            "a variable without description",
            Policy::variablesTypedAndOutputsComplete,
            "variables.tf",
            "  description = \"Upper bound of each Cloud Run service's instances (the lower bound is 0: idle services cost nothing).\"\n",
            ""));
  }

  @TestFactory
  Stream<DynamicTest> every_rule_fails_when_the_configuration_breaks_it(@TempDir Path temp)
      throws IOException {
    List<Mutation> mutations = mutations();
    Files.createDirectories(REPORT.getParent());
    Files.deleteIfExists(REPORT);
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < mutations.size(); i++) {
      Path dir = Files.createDirectory(temp.resolve("m" + i));
      copyTopLevel(Repo.terraform(), dir);
      apply(mutations.get(i), dir);
      dirs.add(dir);
    }
    Map<Path, TerraformConfig> configs = Hcl.parse(dirs);
    return java.util.stream.IntStream.range(0, mutations.size())
        .mapToObj(
            i -> {
              Mutation m = mutations.get(i);
              Path dir = dirs.get(i);
              return DynamicTest.dynamicTest(
                  m.name(),
                  () -> {
                    Policy policy =
                        new Policy(
                            configs.get(dir), PermissionTable.read(dir.resolve("README.md")));
                    List<String> violations = m.rule().apply(policy);
                    assertThat(violations).as(m.name()).isNotEmpty();
                    // What each mutation was caught with, for the record (target/).
                    Files.writeString(
                        REPORT,
                        m.name() + "\n    -> " + violations.get(0) + "\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                  });
            });
  }

  private static void apply(Mutation m, Path dir) throws IOException {
    Path file = dir.resolve(m.file());
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String mutated;
    if (m.find().equals(APPEND)) {
      mutated = text + m.replace();
    } else {
      int at = text.indexOf(m.find());
      if (at < 0 || text.indexOf(m.find(), at + 1) >= 0) {
        throw new AssertionError(
            m.name()
                + ": the text to mutate must occur exactly once in "
                + m.file()
                + ": "
                + m.find());
      }
      mutated = text.substring(0, at) + m.replace() + text.substring(at + m.find().length());
    }
    Files.writeString(file, mutated, StandardCharsets.UTF_8);
  }

  private static void copyTopLevel(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tf") || name.endsWith(".tf.json") || name.equals("README.md")) {
          Files.copy(f, to.resolve(name));
        }
      }
    }
  }
}
