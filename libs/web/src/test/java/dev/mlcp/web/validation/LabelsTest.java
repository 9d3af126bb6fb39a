package dev.mlcp.web.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelsTest {

  @Test
  void email_becomes_a_valid_label_value() {
    String value = Labels.safeValue("Jane.Doe+ml@Example.com");
    assertThat(Labels.isValidValue(value)).isTrue();
    assertThat(value).startsWith("jane-doe-ml_example-com-").hasSize(24 + 8);
  }

  @Test
  void emails_differing_only_in_replaced_characters_stay_distinct() {
    assertThat(Labels.safeValue("a.b@x.com")).isNotEqualTo(Labels.safeValue("a-b@x.com"));
  }

  @Test
  void case_does_not_change_the_value() {
    assertThat(Labels.safeValue("Ann@Example.COM")).isEqualTo(Labels.safeValue("ann@example.com"));
  }

  @Test
  void already_valid_value_is_unchanged() {
    assertThat(Labels.safeValue("team_vision-2")).isEqualTo("team_vision-2");
    assertThat(Labels.safeValue("")).isEmpty();
  }

  @Test
  void long_input_is_truncated_to_63_with_a_hash_suffix() {
    String longText = "x".repeat(100);
    String value = Labels.safeValue(longText);
    assertThat(value).hasSize(63).matches("x{54}-[0-9a-f]{8}");
    assertThat(Labels.isValidValue(value)).isTrue();
    assertThat(value).isNotEqualTo(Labels.safeValue("x".repeat(101)));
  }

  @Test
  void safe_value_is_idempotent_and_deterministic() {
    for (String text :
        new String[] {"Jane.Doe@Example.com", "y".repeat(80), "plain", "ÜBER straße", ""}) {
      String once = Labels.safeValue(text);
      assertThat(Labels.safeValue(once)).isEqualTo(once);
      assertThat(Labels.safeValue(text)).isEqualTo(once);
      assertThat(Labels.isValidValue(once)).isTrue();
    }
  }

  @Test
  void key_rules_follow_gce() {
    assertThat(Labels.isValidKey("mlcp-run")).isTrue();
    assertThat(Labels.isValidKey("a".repeat(63))).isTrue();
    assertThat(Labels.isValidKey("a".repeat(64))).isFalse();
    assertThat(Labels.isValidKey("1abc")).isFalse();
    assertThat(Labels.isValidKey("")).isFalse();
    assertThat(Labels.isValidKey("Team")).isFalse();
    assertThat(Labels.isValidValue("a".repeat(64))).isFalse();
  }
}
