package dev.mlcp.registry;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.mlcp.platform.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** artifact-writer sees the platform through its ports only, and its domain stays plain Java. */
class ArchitectureTest {
  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.mlcp.registry");

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
    ArchitectureRules.domainIsPlainJava("dev.mlcp.registry").check(MAIN);
  }

  @Test
  void handlers_do_not_depend_on_the_rest_api() {
    ArchitectureRules.apiAndHandlersAreIndependent("dev.mlcp.registry").check(MAIN);
  }
}
