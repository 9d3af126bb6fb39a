package dev.mlcp.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.events.Subscriptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvisionTest {

  private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();

  @Test
  void plan_covers_every_subscription_of_the_shared_definition() {
    List<Provision.Plan> plans = Provision.plan(REPO, Map.of("training-runner", 9002));

    assertThat(plans)
        .extracting(Provision.Plan::subscription)
        .containsExactlyElementsOf(Subscriptions.ALL);
  }

  @Test
  void declared_channels_push_to_the_service_port_and_undeclared_ones_stay_pull(@TempDir Path repo)
      throws Exception {
    Path props = repo.resolve("services/training-runner/src/main/resources/application.properties");
    Files.createDirectories(props.getParent());
    Files.writeString(
        props,
        "mp.messaging.incoming.training-completed.connector=mlcp-pubsub\n"
            + "mp.messaging.outgoing.run-events.connector=mlcp-pubsub\n");

    List<Provision.Plan> plans =
        Provision.plan(repo, Map.of("training-runner", 9002, "artifact-writer", 9003));

    assertThat(plans)
        .filteredOn(p -> p.subscription().name().equals("training-runner.training-completed"))
        .singleElement()
        .extracting(Provision.Plan::pushEndpoint)
        .isEqualTo("http://127.0.0.1:9002/pubsub/push/training-completed");
    assertThat(plans)
        .filteredOn(p -> p.subscription().name().equals("training-runner.training-requests"))
        .singleElement()
        .extracting(Provision.Plan::pushEndpoint)
        .isNull();
    assertThat(plans)
        .filteredOn(p -> p.subscription().service().equals("artifact-writer"))
        .allSatisfy(p -> assertThat(p.pushEndpoint()).isNull());
  }

  @Test
  void training_runner_declares_both_of_its_channels_in_this_repository() {
    assertThat(Provision.declaredIncoming(REPO, "training-runner"))
        .containsExactlyInAnyOrder("training-requests", "training-completed");
  }
}
