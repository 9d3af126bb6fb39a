package dev.mlcp.web.validation;

import static java.lang.annotation.ElementType.ANNOTATION_TYPE;
import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import dev.mlcp.platform.instances.GceNames;
import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.Pattern;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * A Compute Engine resource name (RFC 1035): 1-63 characters, lowercase letters, digits and
 * hyphens, starting with a letter and not ending with a hyphen. {@code null} is valid; add
 * {@code @NotNull} when the name is required.
 */
@Documented
@Pattern(regexp = GceName.REGEX)
@ReportAsSingleViolation
@Constraint(validatedBy = {})
@Target({FIELD, METHOD, PARAMETER, ANNOTATION_TYPE, TYPE_USE})
@Retention(RUNTIME)
public @interface GceName {

  /** The pattern every GCE resource name matches ({@link GceNames#NAME_REGEX}). */
  String REGEX = GceNames.NAME_REGEX;

  /** The violation message. */
  String message() default
      "must be 1-63 characters of lowercase letters, digits and hyphens, starting with a letter"
          + " and not ending with a hyphen";

  /** Validation groups. */
  Class<?>[] groups() default {};

  /** Payload. */
  Class<? extends Payload>[] payload() default {};
}
