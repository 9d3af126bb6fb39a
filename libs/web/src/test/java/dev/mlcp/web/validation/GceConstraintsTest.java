package dev.mlcp.web.validation;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GceConstraintsTest {

  record Named(@GceName String name) {}

  record Labelled(@GceLabels Map<String, String> labels) {}

  private static ValidatorFactory factory;
  private static Validator validator;

  @BeforeAll
  static void start() {
    factory =
        Validation.byDefaultProvider()
            .configure()
            .messageInterpolator(new ParameterMessageInterpolator())
            .buildValidatorFactory();
    validator = factory.getValidator();
  }

  @AfterAll
  static void stop() {
    factory.close();
  }

  private static boolean validName(String name) {
    return validator.validate(new Named(name)).isEmpty();
  }

  @Test
  void gce_name_accepts_rfc1035_names() {
    assertThat(validName("a")).isTrue();
    assertThat(validName("train-run-01")).isTrue();
    assertThat(validName("a" + "b".repeat(62))).isTrue();
    assertThat(validName(null)).isTrue();
  }

  @Test
  void gce_name_rejects_everything_else() {
    assertThat(validName("")).isFalse();
    assertThat(validName("1run")).isFalse();
    assertThat(validName("run-")).isFalse();
    assertThat(validName("Run")).isFalse();
    assertThat(validName("run_1")).isFalse();
    assertThat(validName("a" + "b".repeat(63))).isFalse();
    assertThat(validName("run;rm -rf /")).isFalse();
  }

  @Test
  void gce_labels_report_each_bad_entry_by_key() {
    Map<String, String> labels = new HashMap<>();
    labels.put("team", "vision");
    labels.put("Bad Key", "x");
    labels.put("env", "Prod");
    Set<ConstraintViolation<Labelled>> violations = validator.validate(new Labelled(labels));
    assertThat(violations)
        .extracting(ConstraintViolation::getMessage)
        .containsExactlyInAnyOrder(
            "label key 'Bad Key' must be 1-63 characters of lowercase letters, digits, _ and -,"
                + " starting with a letter",
            "label 'env' value must be at most 63 characters of lowercase letters, digits, _ and -");
  }

  @Test
  void gce_labels_reject_more_than_64_labels() {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < 65; i++) {
      labels.put("k" + i, "v");
    }
    assertThat(validator.validate(new Labelled(labels)))
        .extracting(ConstraintViolation::getMessage)
        .containsExactly("must have at most 64 labels");
    labels.remove("k0");
    assertThat(validator.validate(new Labelled(labels))).isEmpty();
  }

  @Test
  void label_text_with_message_syntax_is_not_interpolated() {
    Set<ConstraintViolation<Labelled>> violations =
        validator.validate(new Labelled(Map.of("{key}${1+1}", "v")));
    assertThat(violations)
        .extracting(ConstraintViolation::getMessage)
        .singleElement()
        .asString()
        .contains("'{key}${1+1}'");
  }
}
