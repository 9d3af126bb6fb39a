package dev.mlcp.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A leaf command: reaches the {@link Context} through the root {@link Mlcp}. */
public abstract class Verb implements Callable<Integer> {
  @Spec protected CommandSpec spec;

  /** The context of this invocation. */
  protected Context ctx() {
    return ((Mlcp) spec.root().userObject()).context();
  }

  /** The root command. */
  protected Mlcp root() {
    return (Mlcp) spec.root().userObject();
  }

  @Override
  public final Integer call() throws Exception {
    return run(ctx());
  }

  /** Runs the command; returns its exit code. */
  protected abstract int run(Context ctx) throws Exception;
}
