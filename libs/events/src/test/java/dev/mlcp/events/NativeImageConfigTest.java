package dev.mlcp.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.NativeImageConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The event records are registered for reflection in a native image (Jackson reads and writes
 * them), from META-INF/native-image/dev.mlcp/mlcp-events/reflect-config.json.
 */
class NativeImageConfigTest {

  @Test
  void every_record_and_enum_of_the_event_contract_is_registered_for_native_reflection() {
    assertThat(NativeImageConfig.reflectionProblems(MlcpEvent.class, "mlcp-events")).isEmpty();
  }

  @Test
  void every_permitted_event_record_has_a_type_and_is_registered() {
    List<Class<?>> records = new ArrayList<>();
    leaves(MlcpEvent.class, records);
    List<Class<?>> typed =
        Arrays.stream(EventType.values()).<Class<?>>map(EventType::recordClass).toList();

    assertThat(records).isNotEmpty().containsExactlyInAnyOrderElementsOf(typed);
    assertThat(records)
        .allSatisfy(
            r ->
                assertThat(NativeImageConfig.reflectionProblems(MlcpEvent.class, "mlcp-events"))
                    .noneMatch(p -> p.contains(r.getName())));
  }

  private static void leaves(Class<?> type, List<Class<?>> out) {
    if (type.isSealed()) {
      for (Class<?> permitted : type.getPermittedSubclasses()) {
        leaves(permitted, out);
      }
    } else {
      out.add(type);
    }
  }
}
