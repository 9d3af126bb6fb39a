package dev.mlcp.web.auth;

/** Roles of mlcp callers, usable in {@code @RolesAllowed} and permission policies. */
public final class Roles {
  /** Every caller with a valid DEFAULT-tenant token and a verified email. */
  public static final String USER = "user";

  /** Callers whose email is listed in {@code mlcp.auth.admins}. */
  public static final String ADMIN = "admin";

  private Roles() {}
}
