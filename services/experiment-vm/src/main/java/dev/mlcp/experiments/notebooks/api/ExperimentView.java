package dev.mlcp.experiments.notebooks.api;

import dev.mlcp.experiments.ExperimentBeans.ConnectSettings;
import dev.mlcp.experiments.notebooks.Connect;
import dev.mlcp.experiments.notebooks.Experiment;
import dev.mlcp.experiments.notebooks.ExperimentState;
import dev.mlcp.experiments.notebooks.Heartbeat;
import dev.mlcp.experiments.notebooks.Idleness;
import dev.mlcp.experiments.notebooks.Prices;
import dev.mlcp.platform.instances.InstanceStatus;
import java.time.Instant;
import java.util.List;

/**
 * A notebook VM as the API shows it.
 *
 * @param name its name
 * @param id its document id ({@code exp-<ulid>})
 * @param owner the owner's email
 * @param state PROVISIONING, RUNNING, STOPPED, DELETED or FAILED
 * @param vmStatus the VM's status right now (single GETs only; null in listings or when gone)
 * @param instance the VM's name
 * @param zone its zone
 * @param machineType its machine type
 * @param acceleratorType its GPU type, null for none
 * @param acceleratorCount its GPUs
 * @param diskGb its boot disk
 * @param imageFamily its boot image
 * @param spot whether it is a Spot VM
 * @param internalIp internal IP
 * @param externalIp external IP, null for none
 * @param createdAt requested at
 * @param startedAt running since
 * @param stoppedAt stopped since
 * @param endedAt deleted or failed at
 * @param expiresAt the reaper deletes it then (movable with {@code :extend})
 * @param hardDeadline GCE deletes it then whatever happens ({@code maxRunDuration})
 * @param idleTimeout stopped after this long idle (ISO-8601)
 * @param idle ACTIVE, IDLE or UNKNOWN (no heartbeat: active until the TTL); null unless running
 * @param idleDetail why
 * @param lastActivity the newest activity the VM's agent reported
 * @param heartbeatAt when the agent last reported
 * @param activity what the last heartbeat saw
 * @param costEstimateUsd estimated cost so far (machine while running, disk all along)
 * @param hourlyUsd estimated cost of one running hour
 * @param connect how to reach JupyterLab
 * @param reason why it stopped, failed or was deleted
 * @param history every transition
 */
public record ExperimentView(
    String name,
    String id,
    String owner,
    ExperimentState state,
    InstanceStatus vmStatus,
    String instance,
    String zone,
    String machineType,
    String acceleratorType,
    int acceleratorCount,
    int diskGb,
    String imageFamily,
    boolean spot,
    String internalIp,
    String externalIp,
    Instant createdAt,
    Instant startedAt,
    Instant stoppedAt,
    Instant endedAt,
    Instant expiresAt,
    Instant hardDeadline,
    String idleTimeout,
    Idleness.Verdict idle,
    String idleDetail,
    Instant lastActivity,
    Instant heartbeatAt,
    Activity activity,
    double costEstimateUsd,
    double hourlyUsd,
    Connect connect,
    String reason,
    List<Experiment.Transition> history) {

  /**
   * What the VM's last heartbeat saw.
   *
   * @param jupyter {@code up} or {@code down}
   * @param server which JupyterLab serves
   * @param kernels open kernels
   * @param busyKernels kernels executing
   * @param terminals open terminals
   * @param connections open browser connections
   * @param sshSessions SSH sessions
   * @param gpuUtilization highest GPU utilisation (percent)
   * @param activeNow what was active when it was sampled
   */
  public record Activity(
      String jupyter,
      String server,
      int kernels,
      int busyKernels,
      int terminals,
      int connections,
      int sshSessions,
      Integer gpuUtilization,
      List<String> activeNow) {}

  /**
   * A page of experiments.
   *
   * @param experiments the experiments
   * @param nextPageToken pass as {@code pageToken} for the next page; absent on the last
   */
  public record Page(List<ExperimentView> experiments, String nextPageToken) {}

  /** The view of {@code e} at {@code now}. */
  public static ExperimentView of(
      Experiment e,
      InstanceStatus vmStatus,
      Idleness.Judgement idleness,
      ConnectSettings connect,
      Instant now) {
    Heartbeat beat = e.heartbeat();
    int port = beat != null && beat.port() != null ? beat.port() : connect.jupyterPort();
    boolean live = e.state() == ExperimentState.RUNNING || e.state() == ExperimentState.STOPPED;
    return new ExperimentView(
        e.name(),
        e.id(),
        e.owner(),
        e.state(),
        vmStatus,
        e.instance(),
        e.zone(),
        e.shape().machineType(),
        e.shape().acceleratorType(),
        e.shape().acceleratorCount(),
        e.shape().diskGb(),
        e.shape().imageFamily(),
        e.shape().spot(),
        live ? e.internalIp() : null,
        live ? e.externalIp() : null,
        e.createdAt(),
        e.startedAt(),
        e.stoppedAt(),
        e.endedAt(),
        e.expiresAt(),
        e.hardDeadline(),
        e.idleTimeout().toString(),
        idleness == null ? null : idleness.verdict(),
        idleness == null ? null : idleness.why(),
        beat == null ? null : beat.lastActivity(),
        beat == null ? null : beat.at(),
        beat == null
            ? null
            : new Activity(
                beat.jupyter(),
                beat.server(),
                beat.kernels(),
                beat.busyKernels(),
                beat.terminals(),
                beat.connections(),
                beat.sshSessions(),
                beat.gpuUtilization(),
                beat.activeNow()),
        Prices.soFar(e, now),
        Math.round(Prices.perHour(e.shape()) * 10_000) / 10_000.0,
        Connect.of(e, port, connect.project(), connect.local()),
        e.reason(),
        e.history());
  }
}
