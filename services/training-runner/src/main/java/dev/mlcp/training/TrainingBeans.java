package dev.mlcp.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.events.CloudEventCodec;
import dev.mlcp.messaging.EventPublisher;
import dev.mlcp.platform.ids.IdGenerator;
import dev.mlcp.platform.instances.Instances;
import dev.mlcp.platform.objects.ObjectStore;
import dev.mlcp.platform.objects.ObjectUri;
import dev.mlcp.training.runs.InstancePlan;
import dev.mlcp.training.runs.Reconciler;
import dev.mlcp.training.runs.RunEvents;
import dev.mlcp.training.runs.RunRepository;
import dev.mlcp.training.runs.RunService;
import dev.mlcp.training.schedules.ScheduleRepository;
import dev.mlcp.training.schedules.ScheduleService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** Wires training-runner's domain objects from the platform ports and config. */
@ApplicationScoped
public class TrainingBeans {
  /** The VM agent, bundled from infra/vm at build time. */
  static final String AGENT_RESOURCE = "agent/mlcp-agent.sh";

  @Produces
  @Singleton
  RunRepository runRepository(ObjectStore store, ObjectMapper json, TrainingConfig config) {
    return new RunRepository(store, ObjectUri.parse(config.stateUri()), json);
  }

  @Produces
  @Singleton
  ScheduleRepository scheduleRepository(
      ObjectStore store, ObjectMapper json, TrainingConfig config) {
    return new ScheduleRepository(store, ObjectUri.parse(config.stateUri()), json);
  }

  @Produces
  @Singleton
  InstancePlan instancePlan(TrainingConfig config, ObjectMapper json) {
    return new InstancePlan(config, json, agentScript());
  }

  @Produces
  @Singleton
  RunEvents runEvents(
      @Channel("run-events") Emitter<byte[]> emitter,
      CloudEventCodec codec,
      TrainingConfig config) {
    EventPublisher publisher = new EventPublisher(emitter, codec, config.eventSource());
    return new RunEvents(publisher::publish, Duration.ofSeconds(30));
  }

  @Produces
  @Singleton
  RunService runService(
      RunRepository runs,
      Instances instances,
      InstancePlan plan,
      RunEvents events,
      IdGenerator ids,
      Clock clock,
      TrainingConfig config) {
    return new RunService(
        runs,
        instances,
        plan,
        events,
        ids,
        clock,
        config.maxAttempts(),
        config.defaultOnPreemption());
  }

  @Produces
  @Singleton
  Reconciler reconciler(
      RunRepository runs,
      RunService service,
      Instances instances,
      Clock clock,
      TrainingConfig config) {
    return new Reconciler(
        runs, service, instances, clock, config.reconcileSettle(), config.missingGrace());
  }

  @Produces
  @Singleton
  ScheduleService scheduleService(ScheduleRepository schedules, RunService runs, Clock clock) {
    return new ScheduleService(schedules, runs, clock, Duration.ofMinutes(3));
  }

  static String agentScript() {
    try (InputStream in =
        TrainingBeans.class.getClassLoader().getResourceAsStream(AGENT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            AGENT_RESOURCE + " is missing from the build: it is copied from infra/vm");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
