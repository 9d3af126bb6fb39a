package dev.mlcp.web.validation;

import dev.mlcp.platform.instances.GceNames;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import java.util.Map;
import org.hibernate.validator.constraintvalidation.HibernateConstraintValidatorContext;

/** Checks {@link GceLabels}; user text goes in as message parameters, never into templates. */
public class GceLabelsValidator implements ConstraintValidator<GceLabels, Map<String, String>> {

  @Override
  public boolean isValid(Map<String, String> labels, ConstraintValidatorContext context) {
    if (labels == null) {
      return true;
    }
    boolean valid = true;
    context.disableDefaultConstraintViolation();
    if (labels.size() > GceNames.MAX_LABELS) {
      context
          .buildConstraintViolationWithTemplate(context.getDefaultConstraintMessageTemplate())
          .addConstraintViolation();
      valid = false;
    }
    HibernateConstraintValidatorContext hibernate =
        context.unwrap(HibernateConstraintValidatorContext.class);
    for (Map.Entry<String, String> label : labels.entrySet()) {
      String key = label.getKey();
      if (!GceNames.isValidLabelKey(key)) {
        hibernate
            .addMessageParameter("key", shown(key))
            .buildConstraintViolationWithTemplate(
                "label key '{key}' must be 1-63 characters of lowercase letters, digits, _ and -,"
                    + " starting with a letter")
            .addConstraintViolation();
        valid = false;
      }
      if (!GceNames.isValidLabelValue(label.getValue())) {
        hibernate
            .addMessageParameter("key", shown(key))
            .buildConstraintViolationWithTemplate(
                "label '{key}' value must be at most 63 characters of lowercase letters, digits,"
                    + " _ and -")
            .addConstraintViolation();
        valid = false;
      }
    }
    return valid;
  }

  private static String shown(String key) {
    if (key == null) {
      return "null";
    }
    return key.length() > 70 ? key.substring(0, 67) + "..." : key;
  }
}
