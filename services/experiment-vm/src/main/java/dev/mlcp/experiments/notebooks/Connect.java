package dev.mlcp.experiments.notebooks;

/**
 * How to reach a notebook VM's JupyterLab. In the cloud the VM needs no inbound path from the
 * internet: IAP TCP forwarding tunnels the port (a firewall rule must allow 35.235.240.0/20 to it
 * and to 22). Locally the notebook runs on this machine.
 *
 * @param url where the browser goes once connected
 * @param tunnel the command that forwards JupyterLab's port through IAP (null locally)
 * @param ssh an SSH session through IAP that forwards the port too (null locally)
 * @param note what to know
 */
public record Connect(String url, String tunnel, String ssh, String note) {

  /** The hints for {@code experiment}, JupyterLab on {@code port} of its VM. */
  public static Connect of(Experiment experiment, int port, String project, boolean local) {
    if (experiment.state() != ExperimentState.RUNNING
        && experiment.state() != ExperimentState.STOPPED) {
      return null;
    }
    if (local) {
      return new Connect(
          port > 0 ? "http://127.0.0.1:" + port + "/lab" : null,
          null,
          null,
          port > 0
              ? "local mode: the notebook runs on this machine"
              : "local mode: the address appears with the first heartbeat");
    }
    String where = " --zone " + experiment.zone() + " --project " + project;
    return new Connect(
        "http://localhost:" + port + "/lab",
        "gcloud compute start-iap-tunnel "
            + experiment.instance()
            + " "
            + port
            + " --local-host-port=localhost:"
            + port
            + where,
        "gcloud compute ssh "
            + experiment.instance()
            + where
            + " --tunnel-through-iap -- -L "
            + port
            + ":localhost:"
            + port,
        experiment.state() == ExperimentState.STOPPED
            ? "stopped: POST /v1/experiments/" + experiment.name() + ":start first"
            : "run the tunnel (or the ssh) command, then open the url");
  }
}
