package dev.mlcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlcp.cli.http.Sse;
import dev.mlcp.cli.output.Cells;
import dev.mlcp.cli.output.Column;
import dev.mlcp.cli.output.Format;
import dev.mlcp.cli.output.Printer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tables, JSON and YAML, and the SSE reader. */
class OutputTest {
  static final ObjectMapper JSON = new ObjectMapper();

  String print(Format f, JsonNode answer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    new Printer(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            f)
        .list(answer, "items", List.of(Column.of("NAME", "name"), Column.of("SIZE", "meta.size")));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void a_table_pads_columns_and_shows_missing_values_as_dashes() throws Exception {
    JsonNode answer =
        JSON.readTree(
            "{\"items\":[{\"name\":\"a-long-name\",\"meta\":{\"size\":3}},{\"name\":\"b\"}]}");

    assertThat(print(Format.table, answer))
        .isEqualTo("NAME         SIZE\na-long-name  3\nb            -\n");
  }

  @Test
  void json_and_yaml_are_the_whole_answer() throws Exception {
    JsonNode answer = JSON.readTree("{\"items\":[{\"name\":\"a\"}],\"nextPageToken\":\"t\"}");

    assertThat(JSON.readTree(print(Format.json, answer))).isEqualTo(answer);
    assertThat(print(Format.yaml, answer)).isEqualTo("items:\n- name: a\nnextPageToken: t\n");
  }

  @Test
  void durations_and_costs_read_like_people_write_them() {
    assertThat(Cells.human(Duration.ofSeconds(12))).isEqualTo("12s");
    assertThat(Cells.human(Duration.ofSeconds(185))).isEqualTo("3m05s");
    assertThat(Cells.human(Duration.ofMinutes(62))).isEqualTo("1h02m");
    assertThat(Cells.usd(JSON.getNodeFactory().numberNode(0.01234))).isEqualTo("$0.0123");
  }

  @Test
  void sse_frames_give_events_with_ids_and_multi_line_data_and_skip_comments() throws Exception {
    String stream =
        "event: open\ndata: {}\n\n: keep-alive\n\nevent: log\nid: c1\ndata: a\ndata: b\n\ndata: plain\n\n";
    List<Sse.Event> events = new ArrayList<>();

    Sse.read(new BufferedReader(new StringReader(stream)), e -> events.add(e));

    assertThat(events)
        .containsExactly(
            new Sse.Event("open", null, "{}"),
            new Sse.Event("log", "c1", "a\nb"),
            new Sse.Event("message", null, "plain"));
  }
}
