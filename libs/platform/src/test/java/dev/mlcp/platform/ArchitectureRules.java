package dev.mlcp.platform;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;

/**
 * Architecture rules shared by mlcp modules (shipped in this module's test-jar): Google SDK types
 * stay inside {@code ..gcp..} packages, and code outside libs/platform talks to ports, never to
 * adapters. Services check them with {@code ArchitectureRules.X.check(importedClasses)}.
 */
public final class ArchitectureRules {

  private ArchitectureRules() {}

  /** {@code com.google..} is used only by classes in {@code ..gcp..} packages. */
  public static final ArchRule GOOGLE_CLOUD_ONLY_IN_GCP_PACKAGES =
      noClasses()
          .that()
          .resideOutsideOfPackage("..gcp..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("com.google..")
          .because("Google SDK types belong in gcp adapters; everything else sees the ports");

  /** Code outside the platform module depends on ports, not on adapters or platform internals. */
  public static final ArchRule SERVICES_USE_PORTS_NOT_ADAPTERS =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.mlcp.platform..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.mlcp.platform..gcp..",
              "dev.mlcp.platform..local..",
              "dev.mlcp.platform.internal..")
          .because("services see only the platform ports; adapters are chosen by mlcp.platform");

  /** Port packages never depend on their adapters. */
  public static final ArchRule PORTS_DO_NOT_DEPEND_ON_ADAPTERS =
      noClasses()
          .that()
          .resideInAnyPackage(
              "dev.mlcp.platform",
              "dev.mlcp.platform.instances",
              "dev.mlcp.platform.objects",
              "dev.mlcp.platform.secrets",
              "dev.mlcp.platform.logs",
              "dev.mlcp.platform.warehouse",
              "dev.mlcp.platform.ids",
              "dev.mlcp.platform.operational",
              "dev.mlcp.platform.serving")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("..gcp..", "..local..", "dev.mlcp.platform.config..")
          .because("ports are pure Java interfaces and records");

  /**
   * The layering of a service, by package: its root package wires (beans, config), {@code ..api..}
   * packages hold REST resources and views, {@code ..handlers..} packages hold event handlers, and
   * every other package is domain: plain Java that a unit test runs without a container, without
   * libs/web (HTTP errors, callers) or libs/messaging.
   *
   * @param servicePackage e.g. {@code dev.mlcp.training}
   */
  public static ArchRule domainIsPlainJava(String servicePackage) {
    return noClasses()
        .that()
        .resideInAPackage(servicePackage + "..")
        .and()
        .resideOutsideOfPackages(servicePackage, "..api..", "..handlers..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "jakarta..",
            "io.quarkus..",
            "io.smallrye..",
            "io.vertx..",
            "org.eclipse.microprofile..",
            "dev.mlcp.web..",
            "dev.mlcp.messaging..")
        .because(
            "domain rules are tested without a container; REST lives in ..api.., event handlers"
                + " in ..handlers.., wiring in the service's root package");
  }

  /** REST resources and event handlers orchestrate through the domain, never each other. */
  public static ArchRule apiAndHandlersAreIndependent(String servicePackage) {
    return noClasses()
        .that()
        .resideInAPackage(servicePackage + "..handlers..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(servicePackage + "..api..")
        .because("an event handler must not depend on HTTP types");
  }
}
