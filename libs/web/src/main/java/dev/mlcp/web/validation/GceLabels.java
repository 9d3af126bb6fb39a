package dev.mlcp.web.validation;

import static java.lang.annotation.ElementType.ANNOTATION_TYPE;
import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * A {@code Map<String, String>} usable as Compute Engine labels: at most 64 entries; keys 1-63
 * characters of lowercase letters, digits, {@code _} and {@code -}, starting with a letter; values
 * 0-63 characters of the same set. Each bad entry is reported as its own violation naming the key.
 * {@code null} is valid. Use {@link Labels#safeValue(String)} to derive values from free text.
 */
@Documented
@Constraint(validatedBy = GceLabelsValidator.class)
@Target({FIELD, METHOD, PARAMETER, ANNOTATION_TYPE, TYPE_USE})
@Retention(RUNTIME)
public @interface GceLabels {

  /** The violation message when the map as a whole is wrong (too many labels). */
  String message() default "must have at most 64 labels";

  /** Validation groups. */
  Class<?>[] groups() default {};

  /** Payload. */
  Class<? extends Payload>[] payload() default {};
}
