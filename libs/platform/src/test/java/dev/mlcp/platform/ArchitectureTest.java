package dev.mlcp.platform;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.mlcp.platform.gcp.GcpErrors;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.mlcp.platform");

  @Test
  void google_sdk_types_are_used_only_in_gcp_packages() {
    ArchitectureRules.GOOGLE_CLOUD_ONLY_IN_GCP_PACKAGES.check(MAIN);
  }

  @Test
  void ports_do_not_depend_on_adapters() {
    ArchitectureRules.PORTS_DO_NOT_DEPEND_ON_ADAPTERS.check(MAIN);
  }

  /** A class outside gcp packages using a Google type, as nothing may. */
  static final class DomainUsingGoogle {
    Object status = com.google.api.gax.rpc.StatusCode.Code.OK;
  }

  @Test
  void the_rules_catch_violations() {
    JavaClasses offenders =
        new ClassFileImporter()
            .importClasses(
                dev.mlcp.archfixture.ServiceUsingAnAdapter.class,
                DomainUsingGoogle.class,
                GcpErrors.class);

    assertThatThrownBy(() -> ArchitectureRules.GOOGLE_CLOUD_ONLY_IN_GCP_PACKAGES.check(offenders))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("DomainUsingGoogle")
        .hasMessageNotContaining("GcpErrors");
    assertThatThrownBy(() -> ArchitectureRules.SERVICES_USE_PORTS_NOT_ADAPTERS.check(offenders))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("ServiceUsingAnAdapter");
  }
}
