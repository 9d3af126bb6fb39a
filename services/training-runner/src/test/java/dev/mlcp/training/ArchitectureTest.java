package dev.mlcp.training;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.mlcp.platform.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** training-runner sees the platform through its ports only, and its domain stays plain Java. */
class ArchitectureTest {
  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.mlcp.training");

  @Test
  void uses_platform_ports_not_adapters() {
    ArchitectureRules.SERVICES_USE_PORTS_NOT_ADAPTERS.check(MAIN);
  }

  @Test
  void has_no_google_sdk_types() {
    ArchitectureRules.GOOGLE_CLOUD_ONLY_IN_GCP_PACKAGES.check(MAIN);
  }

  @Test
  void run_domain_has_no_framework_imports() {
    noClasses()
        .that()
        .haveSimpleNameNotEndingWith("Resource")
        .and()
        .haveSimpleNameNotEndingWith("Handler")
        .and()
        .haveSimpleNameNotEndingWith("Mapper")
        .and()
        .haveSimpleNameNotEndingWith("Access")
        .and()
        .resideInAnyPackage("dev.mlcp.training.runs", "dev.mlcp.training.schedules")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "jakarta..", "io.quarkus..", "io.smallrye..", "org.eclipse.microprofile..")
        .because("lifecycle rules are tested without a container; CDI wiring is in TrainingBeans")
        .check(MAIN);
  }
}
