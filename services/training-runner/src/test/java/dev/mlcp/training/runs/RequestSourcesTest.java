package dev.mlcp.training.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Owners of runs requested over Pub/Sub come from what the publisher ({@code ce-source}) may act
 * for, not from the message body alone.
 */
class RequestSourcesTest {
  private final RequestSources sources =
      new RequestSources(
          List.of(
              "//cloudscheduler/nightly=Scheduler@proj.iam.gserviceaccount.com",
              "//cloudbuild/proj/train=ci@proj.iam.gserviceaccount.com|ana@example.com",
              "//mlcp/artifact-writer=*"));

  @Test
  void a_publisher_acts_only_for_the_owners_configured_for_it() {
    assertThat(
            sources.mayActFor("//cloudscheduler/nightly", "scheduler@proj.iam.gserviceaccount.com"))
        .isTrue();
    assertThat(sources.mayActFor("//cloudscheduler/nightly", "ana@example.com")).isFalse();
    assertThat(sources.mayActFor("//cloudbuild/proj/train", "ana@example.com")).isTrue();
    assertThat(sources.mayActFor("//cloudbuild/proj/train", "bob@example.com")).isFalse();
  }

  @Test
  void an_unlisted_publisher_may_not_request_runs_for_anyone() {
    assertThat(sources.mayActFor("//laptop/mallory", "ana@example.com")).isFalse();
    assertThat(sources.mayActFor(null, "ana@example.com")).isFalse();
    assertThat(new RequestSources(List.of()).mayActFor("//cloudbuild/proj/train", "ci@x"))
        .isFalse();
  }

  @Test
  void owners_match_whatever_their_case_and_star_means_any_owner() {
    assertThat(sources.mayActFor("//cloudbuild/proj/train", "ANA@Example.com")).isTrue();
    assertThat(sources.mayActFor("//mlcp/artifact-writer", "anyone@example.com")).isTrue();
  }

  @Test
  void a_trailing_star_on_the_source_is_a_prefix_not_a_wildcard_anywhere() {
    RequestSources prefix = new RequestSources(List.of("//cloudbuild/proj/*=ci@proj"));
    assertThat(prefix.mayActFor("//cloudbuild/proj/train", "ci@proj")).isTrue();
    assertThat(prefix.mayActFor("//cloudbuild/other/train", "ci@proj")).isFalse();
  }

  @Test
  void a_malformed_entry_is_refused_naming_the_key() {
    assertThatThrownBy(() -> new RequestSources(List.of("//cloudbuild/proj/train")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mlcp.training.request-sources")
        .hasMessageContaining("source=owner|owner");
  }
}
