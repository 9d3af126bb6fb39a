package dev.mlcp.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlcp.cli.CliException;
import dev.mlcp.cli.Exit;

/** An HTTP error answer, as the one line the CLI prints: {@code 400 spec.image: must match …}. */
public final class ApiError extends CliException {
  private static final long serialVersionUID = 1L;

  private final int status;

  /** The error of {@code status} with its body ({@code problem} null when not JSON). */
  public ApiError(int status, JsonNode problem, String rawBody) {
    super(Exit.ofStatus(status), line(status, problem, rawBody));
    this.status = status;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /**
   * The one-line form: the status, then the invalid fields ({@code field: message; …}) when the
   * problem lists them, else its detail, else its title, else the start of the body.
   */
  static String line(int status, JsonNode problem, String rawBody) {
    StringBuilder line = new StringBuilder().append(status);
    String text = null;
    if (problem != null && problem.isObject()) {
      JsonNode errors = problem.path("errors");
      if (errors.isArray() && !errors.isEmpty()) {
        StringBuilder fields = new StringBuilder();
        for (JsonNode e : errors) {
          if (fields.length() > 0) {
            fields.append("; ");
          }
          fields
              .append(e.path("field").asText("?"))
              .append(": ")
              .append(e.path("message").asText());
        }
        text = fields.toString();
      } else if (problem.hasNonNull("detail")) {
        text = problem.get("detail").asText();
      } else if (problem.hasNonNull("title")) {
        text = problem.get("title").asText();
      }
      if (problem.hasNonNull("correlationId")) {
        text =
            (text == null ? "" : text + " ")
                + "(correlation id "
                + problem.get("correlationId").asText()
                + ")";
      }
    }
    if (text == null && rawBody != null && !rawBody.isBlank()) {
      text = rawBody.strip();
      if (text.length() > 200) {
        text = text.substring(0, 200) + "…";
      }
    }
    if (text == null) {
      text =
          switch (status) {
            case 401 -> "not authenticated (token refused)";
            case 403 -> "forbidden";
            case 404 -> "not found";
            default -> "no details";
          };
    }
    return line.append(' ').append(text.replaceAll("\\s*\\R\\s*", " ")).toString();
  }
}
