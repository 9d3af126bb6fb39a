package dev.mlcp.platform.instances;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GceNamesTest {

  @Test
  void email_becomes_a_valid_label_value() {
    String value = GceNames.safeLabelValue("Jane.Doe+ml@Example.com");
    assertThat(GceNames.isValidLabelValue(value)).isTrue();
    assertThat(value).startsWith("jane-doe-ml_example-com-").hasSize(24 + 8);
  }

  @Test
  void emails_differing_only_in_replaced_characters_stay_distinct() {
    assertThat(GceNames.safeLabelValue("a.b@x.com"))
        .isNotEqualTo(GceNames.safeLabelValue("a-b@x.com"));
  }

  @Test
  void case_does_not_change_the_value() {
    assertThat(GceNames.safeLabelValue("Ann@Example.COM"))
        .isEqualTo(GceNames.safeLabelValue("ann@example.com"));
  }

  @Test
  void already_valid_value_is_unchanged() {
    assertThat(GceNames.safeLabelValue("team_vision-2")).isEqualTo("team_vision-2");
    assertThat(GceNames.safeLabelValue("")).isEmpty();
  }

  @Test
  void long_input_is_truncated_to_63_with_a_hash_suffix() {
    String longText = "x".repeat(100);
    String value = GceNames.safeLabelValue(longText);
    assertThat(value).hasSize(63).matches("x{54}-[0-9a-f]{8}");
    assertThat(GceNames.isValidLabelValue(value)).isTrue();
    assertThat(value).isNotEqualTo(GceNames.safeLabelValue("x".repeat(101)));
  }

  @Test
  void safe_value_is_idempotent_and_deterministic() {
    for (String text :
        new String[] {"Jane.Doe@Example.com", "y".repeat(80), "plain", "ÜBER straße", ""}) {
      String once = GceNames.safeLabelValue(text);
      assertThat(GceNames.safeLabelValue(once)).isEqualTo(once);
      assertThat(GceNames.safeLabelValue(text)).isEqualTo(once);
      assertThat(GceNames.isValidLabelValue(once)).isTrue();
    }
  }

  @Test
  void key_rules_follow_gce() {
    assertThat(GceNames.isValidLabelKey("mlcp-run")).isTrue();
    assertThat(GceNames.isValidLabelKey("a".repeat(63))).isTrue();
    assertThat(GceNames.isValidLabelKey("a".repeat(64))).isFalse();
    assertThat(GceNames.isValidLabelKey("1abc")).isFalse();
    assertThat(GceNames.isValidLabelKey("")).isFalse();
    assertThat(GceNames.isValidLabelKey("Team")).isFalse();
    assertThat(GceNames.isValidLabelValue("a".repeat(64))).isFalse();
  }
}
