package dev.mlcp.platform.instances;

import java.util.List;

/**
 * The identity a VM runs as.
 *
 * @param email service account email
 * @param scopes OAuth scopes, usually {@code https://www.googleapis.com/auth/cloud-platform}
 */
public record ServiceAccount(String email, List<String> scopes) {
  /** Copies the scopes. */
  public ServiceAccount {
    scopes = List.copyOf(scopes);
  }
}
