package dev.mlcp.platform.serving;

import java.util.EnumMap;
import java.util.Map;

/**
 * The stack of each target the platform offers. In the cloud each target has its adapter; locally
 * every target is served by the local stack (processes behind a proxy), so a {@code cloudrun}
 * deploy can be tried on a laptop too.
 */
public final class ServingStacks implements AutoCloseable {
  private final Map<ServingStack.Target, ServingStack> stacks;

  /** The stacks by target; one stack may serve several targets. */
  public ServingStacks(Map<ServingStack.Target, ServingStack> stacks) {
    this.stacks = new EnumMap<>(stacks);
  }

  /** The stack of {@code target}. */
  public ServingStack of(ServingStack.Target target) {
    ServingStack stack = stacks.get(target);
    if (stack == null) {
      throw new IllegalArgumentException("no serving stack for target " + target.id());
    }
    return stack;
  }

  @Override
  public void close() {
    stacks.values().stream().distinct().forEach(ServingStack::close);
  }
}
