package dev.mlcp.experiments;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.mlcp.platform.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** experiment-vm sees the platform through its ports only, and its domain stays plain Java. */
class ArchitectureTest {
  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.mlcp.experiments");

  @Test
  void uses_platform_ports_not_adapters() {
    ArchitectureRules.SERVICES_USE_PORTS_NOT_ADAPTERS.check(MAIN);
  }

  @Test
  void has_no_google_sdk_types() {
    ArchitectureRules.GOOGLE_CLOUD_ONLY_IN_GCP_PACKAGES.check(MAIN);
  }

  @Test
  void domain_packages_are_plain_java() {
    ArchitectureRules.domainIsPlainJava("dev.mlcp.experiments").check(MAIN);
  }

  @Test
  void handlers_do_not_depend_on_the_rest_api() {
    // experiment-vm consumes no events yet, so there may be no handlers package to check; the rule
    // applies as soon as one appears.
    ArchitectureRules.apiAndHandlersAreIndependent("dev.mlcp.experiments")
        .allowEmptyShould(true)
        .check(MAIN);
  }
}
