package dev.mlcp.training.runs;

import dev.mlcp.training.TrainingConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** TrainingConfig with the defaults of application.properties, for tests without Quarkus. */
public class TestTrainingConfig implements TrainingConfig {
  @Override
  public String stateUri() {
    return "gs://state-bucket/training-runner";
  }

  @Override
  public String stagingUri() {
    return "gs://staging-bucket/staging";
  }

  @Override
  public List<String> defaultZones() {
    return List.of("europe-west4-a", "europe-west4-b");
  }

  @Override
  public String defaultMachineType() {
    return "n1-standard-4";
  }

  @Override
  public Duration defaultMaxRunDuration() {
    return Duration.ofHours(24);
  }

  @Override
  public Duration deleteGrace() {
    return Duration.ofMinutes(15);
  }

  @Override
  public String bootImage() {
    return "projects/deeplearning-platform-release/global/images/family/common-cpu";
  }

  @Override
  public String gpuBootImage() {
    return "projects/deeplearning-platform-release/global/images/family/common-cu124";
  }

  @Override
  public long bootDiskGb() {
    return 100;
  }

  @Override
  public Optional<String> vmServiceAccount() {
    return Optional.of("training-vm@proj.iam.gserviceaccount.com");
  }

  @Override
  public String completionTopic() {
    return "projects/proj/topics/training-completed";
  }

  @Override
  public int maxAttempts() {
    return 3;
  }

  @Override
  public String defaultOnPreemption() {
    return "retry";
  }

  @Override
  public Duration reconcileSettle() {
    return Duration.ofMinutes(2);
  }

  @Override
  public Duration missingGrace() {
    return Duration.ofMinutes(5);
  }

  @Override
  public String eventSource() {
    return "//mlcp/training-runner";
  }

  @Override
  public int maxPageSize() {
    return 200;
  }

  @Override
  public java.util.Optional<List<String>> requestSources() {
    return java.util.Optional.of(List.of("//cloudbuild/*=*"));
  }

  @Override
  public Limits limits() {
    return new Limits() {
      @Override
      public int maxActiveRunsPerOwner() {
        return 20;
      }

      @Override
      public int maxAcceleratorsPerOwner() {
        return 16;
      }

      @Override
      public java.util.Optional<List<String>> allowedImages() {
        return java.util.Optional.empty();
      }
    };
  }
}
