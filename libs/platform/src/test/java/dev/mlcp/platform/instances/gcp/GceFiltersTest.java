package dev.mlcp.platform.instances.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.platform.instances.InstanceFilter;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link InstanceFilter}s rendered in GCE's list-filter syntax. */
class GceFiltersTest {

  @Test
  void no_condition_is_an_empty_filter() {
    assertThat(GceFilters.of(InstanceFilter.all())).isEmpty();
  }

  @Test
  void presence_conditions_come_first_and_every_group_is_in_key_order() {
    InstanceFilter filter = new InstanceFilter(Set.of("b", "a"), Map.of("z", "2", "y", "1"));

    assertThat(GceFilters.of(filter))
        .isEqualTo("(labels.a:*) AND (labels.b:*) AND (labels.y = \"1\") AND (labels.z = \"2\")");
  }

  @Test
  void quotes_cannot_end_the_quoted_value() {
    assertThat(GceFilters.of(InstanceFilter.labelEquals("owner", "al\"ice")))
        .isEqualTo("(labels.owner = \"alice\")");
  }
}
