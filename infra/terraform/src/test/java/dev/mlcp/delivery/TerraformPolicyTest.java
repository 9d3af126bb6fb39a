package dev.mlcp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The delivery policy on infra/terraform as committed. Each rule also has a mutation in {@code
 * PolicyMutationTest} that breaks the HCL and must make the rule fail.
 */
class TerraformPolicyTest {
  private static Policy policy;

  @BeforeAll
  static void parse() {
    policy =
        new Policy(
            Hcl.parse(Repo.terraform()),
            PermissionTable.read(Repo.terraform().resolve("README.md")));
  }

  @Test
  void every_permission_granted_is_in_the_seed_004_table_and_every_row_is_granted() {
    assertThat(policy.grantsMatchTheTable()).isEmpty();
  }

  @Test
  void grants_name_identities_scopes_and_conditions_that_exist() {
    assertThat(policy.grantsNameWhatExists()).isEmpty();
  }

  @Test
  void no_basic_roles_no_public_members_no_authoritative_iam() {
    assertThat(policy.noBasicRolesNorPublicAccess()).isEmpty();
  }

  @Test
  void every_iam_resource_is_a_known_wiring_of_the_grants() {
    assertThat(policy.iamIsOnlyTheKnownWiring()).isEmpty();
  }

  @Test
  void act_as_only_on_the_one_account_a_creator_attaches() {
    assertThat(policy.actAsOnlyOnTheAccountsAttached()).isEmpty();
  }

  @Test
  void training_vms_delete_instances_only_under_the_run_prefix_condition() {
    assertThat(policy.trainingVmDeletesOnlyTrainingVms()).isEmpty();
  }

  @Test
  void publishers_are_the_declared_channels_training_vms_and_ci_only() {
    assertThat(policy.publishersAreExactlyWhoTheCodeSays()).isEmpty();
  }

  @Test
  void topics_are_the_codes_list_each_with_a_dead_letter_topic() {
    assertThat(policy.topicsAreTheCodesList()).isEmpty();
  }

  @Test
  void subscriptions_are_the_codes_list_with_dead_letter_policy_and_oidc_push() {
    assertThat(policy.subscriptionsAreTheCodesListWithDeadLettersAndOidcPush()).isEmpty();
  }

  @Test
  void the_pubsub_service_agent_may_dead_letter() {
    assertThat(policy.deadLetterGrantsOfThePubSubAgentExist()).isEmpty();
  }

  @Test
  void push_and_scheduler_invoke_exactly_the_services_the_code_calls() {
    assertThat(policy.invokersAreExactlyWhereTheCodeCalls()).isEmpty();
  }

  @Test
  void scheduler_jobs_are_the_codes_list_with_oidc() {
    assertThat(policy.scheduledJobsAreTheCodesList()).isEmpty();
  }

  @Test
  void the_scheduler_is_an_admin_of_every_service() {
    assertThat(policy.schedulerIsAdminOfEveryService()).isEmpty();
  }

  @Test
  void every_config_key_the_services_read_is_set() {
    assertThat(policy.servicesGetTheirConfigKeys()).isEmpty();
  }

  @Test
  void cloud_run_services_are_private_and_scale_from_zero() {
    assertThat(policy.cloudRunServicesArePrivate()).isEmpty();
  }

  @Test
  void one_service_account_per_identity_each_used() {
    assertThat(policy.serviceAccountsAreOnePerIdentity()).isEmpty();
  }

  @Test
  void buckets_are_uniform_private_expiring_and_retained() {
    assertThat(policy.bucketsAreHardened()).isEmpty();
  }

  @Test
  void variables_are_typed_and_described_and_outputs_complete() {
    assertThat(policy.variablesTypedAndOutputsComplete()).isEmpty();
  }
}
