package dev.mlcp.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlcp.testing.SpannerEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The sample operational data local mode loads at {@code up}, against the real emulator. */
class SpannerSeedTest {

  @Test
  void seeds_the_sample_database_once_and_leaves_it_alone_the_second_time() throws Exception {
    try (SpannerEmulator emulator = SpannerEmulator.start("mlcp-local")) {
      SpannerSeed seed = new SpannerSeed(emulator.restUrl(), "mlcp-local");

      assertThat(seed.seed()).isTrue();
      assertThat(seed.seed()).isFalse();

      String db =
          emulator.restUrl()
              + "/projects/mlcp-local/instances/"
              + SpannerSeed.INSTANCE
              + "/databases/"
              + SpannerSeed.DATABASE;
      HttpClient http = HttpClient.newHttpClient();
      String session =
          http.send(
                  HttpRequest.newBuilder(URI.create(db + "/sessions"))
                      .POST(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body()
              .replaceAll("(?s).*\"name\":\"([^\"]+)\".*", "$1");
      String counts =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create(emulator.restUrl() + "/" + session + ":executeSql"))
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"sql\":\"SELECT (SELECT COUNT(*) FROM training_examples),"
                                  + " (SELECT COUNTIF(label = 1) FROM training_examples),"
                                  + " (SELECT COUNT(*) FROM user_features)\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(counts).contains("[\"600\",");
      assertThat(counts).contains(",\"50\"]");
      assertThat(counts).doesNotContain("[\"600\",\"0\"").doesNotContain("[\"600\",\"600\"");
    }
  }
}
