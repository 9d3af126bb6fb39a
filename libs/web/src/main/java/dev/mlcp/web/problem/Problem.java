package dev.mlcp.web.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * An RFC 9457 problem details body ({@code application/problem+json}).
 *
 * @param type URI naming the problem kind ({@code urn:mlcp:problem:<kind>} or {@code about:blank})
 * @param title short summary of the kind
 * @param status HTTP status code
 * @param detail what went wrong in this occurrence, for a person to act on
 * @param instance the request path
 * @param errors the invalid fields of a 400, otherwise absent
 * @param correlationId id to find the server log entry of a 5xx, otherwise absent
 */
// Serialized by ProblemRoutes outside JAX-RS, so native images need it registered.
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
    String type,
    String title,
    int status,
    String detail,
    String instance,
    List<FieldError> errors,
    String correlationId) {

  /** The media type of problem bodies. */
  public static final String MEDIA_TYPE = "application/problem+json";

  /** Prefix of the {@code type} of mlcp's own problem kinds. */
  public static final String TYPE_PREFIX = "urn:mlcp:problem:";

  /** The RFC 9457 type meaning "no more than the HTTP status says". */
  public static final String ABOUT_BLANK = "about:blank";

  /** The {@code type} URI of an mlcp problem kind. */
  public static String type(String kind) {
    return TYPE_PREFIX + kind;
  }
}
