package dev.mlcp.serving;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.mlcp.platform.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** serving-deployer sees the platform through its ports only, and its domain stays plain Java. */
class ArchitectureTest {
  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.mlcp.serving");

  @Test
  void uses_platform_ports_not_adapters() {
    ArchitectureRules.SERVICES_USE_PORTS_NOT_ADAPTERS.check(MAIN);
  }

  @Test
  void has_google_sdk_types_only_in_gcp_packages() {
    ArchitectureRules.GOOGLE_CLOUD_ONLY_IN_GCP_PACKAGES.check(MAIN);
  }

  @Test
  void domain_packages_are_plain_java() {
    ArchitectureRules.domainIsPlainJava("dev.mlcp.serving").check(MAIN);
  }

  @Test
  void handlers_do_not_depend_on_the_rest_api() {
    ArchitectureRules.apiAndHandlersAreIndependent("dev.mlcp.serving").check(MAIN);
  }
}
