package dev.mlcp.serving.rollouts;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The registry's contract in memory: versions with digests, aliases, refused versions. */
final class StubRegistry implements ModelRegistry {
  final Map<String, String> digests = new ConcurrentHashMap<>();
  final Map<String, String> aliases = new ConcurrentHashMap<>();
  final Map<String, String> refused = new ConcurrentHashMap<>();
  volatile boolean down;

  StubRegistry version(String model, String version, String sha256) {
    digests.put(model + "/" + version, sha256);
    return this;
  }

  @Override
  public String resolveAlias(String model, String alias) {
    if (down) {
      throw new RegistryUnavailableException("down", null);
    }
    String v = aliases.get(model + "@" + alias);
    if (v == null) {
      throw new VerificationFailedException("alias " + alias + " of " + model + " does not exist");
    }
    return v;
  }

  @Override
  public VerifiedVersion verify(String model, String version) {
    if (down) {
      throw new RegistryUnavailableException("registry answered 503", null);
    }
    String why = refused.get(model + "/" + version);
    if (why != null) {
      throw new VerificationFailedException(why);
    }
    String sha = digests.get(model + "/" + version);
    if (sha == null) {
      throw new VerificationFailedException(
          "verify answered 404: version " + version + " does not exist");
    }
    return new VerifiedVersion(
        model, version, "gs://reg/models/" + model + "/versions/" + version, sha);
  }
}
