package dev.mlcp.web.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import java.time.Duration;
import java.time.temporal.Temporal;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Names the request field behind a Jackson or Bean Validation error as the JSON path a client sent
 * ({@code spec.labels}, {@code items[0].name}), and says what is wrong in words that do not expose
 * Java class names.
 */
final class FieldPaths {

  /** The field name used when the whole body is at fault. */
  static final String BODY = "body";

  private FieldPaths() {}

  /** The field error of a JSON body that could not be read. */
  static FieldError fromJson(JsonProcessingException e) {
    if (e instanceof JsonMappingException mapping) {
      return new FieldError(path(mapping.getPath()), mappingMessage(mapping));
    }
    String field = BODY;
    if (e instanceof StreamReadException read && read.getProcessor() != null) {
      field = path(read.getProcessor().getParsingContext());
    }
    String where =
        e.getLocation() == null
            ? ""
            : " (line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ")";
    return new FieldError(field, "is not valid JSON" + where);
  }

  private static String mappingMessage(JsonMappingException e) {
    if (e instanceof UnrecognizedPropertyException) {
      return "is not a known field";
    }
    if (e instanceof InvalidFormatException format && format.getTargetType() != null) {
      return "must be " + describe(format.getTargetType());
    }
    if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
      return "must be " + describe(mismatch.getTargetType());
    }
    if (e instanceof ValueInstantiationException
        && e.getCause() instanceof IllegalArgumentException invalid
        && invalid.getMessage() != null) {
      // Records reject bad values in their compact constructors with a message meant for users.
      return invalid.getMessage();
    }
    return "is invalid";
  }

  private static String describe(Class<?> type) {
    if (type.isEnum()) {
      return "one of " + Arrays.toString(type.getEnumConstants());
    }
    if (type == Integer.class
        || type == int.class
        || type == Long.class
        || type == long.class
        || type == Short.class
        || type == short.class
        || type == java.math.BigInteger.class) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class || type == char.class || type == Character.class) {
      return "a string";
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    if (Temporal.class.isAssignableFrom(type)) {
      return "an ISO-8601 date-time";
    }
    if (type == Duration.class) {
      return "an ISO-8601 duration such as PT1H";
    }
    return "an object";
  }

  private static String path(List<JsonMappingException.Reference> references) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : references) {
      if (reference.getFieldName() != null) {
        appendName(path, reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? BODY : path.toString();
  }

  private static String path(JsonStreamContext context) {
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inObject() && c.getCurrentName() != null) {
        parts.push(c.getCurrentName());
      } else if (c.inArray()) {
        parts.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
      }
    }
    StringBuilder path = new StringBuilder();
    for (String part : parts) {
      if (part.startsWith("[")) {
        path.append(part);
      } else {
        appendName(path, part);
      }
    }
    return path.isEmpty() ? BODY : path.toString();
  }

  /**
   * The JSON path of a Bean Validation violation: the method and parameter nodes of a resource
   * method are dropped, Java property names become the JSON names Jackson uses for them, and
   * container elements show as {@code [index]} or {@code [key]}.
   */
  static String fromViolation(ConstraintViolation<?> violation, ObjectMapper mapper) {
    StringBuilder path = new StringBuilder();
    Object current = null;
    Object[] parameters = violation.getExecutableParameters();
    String parameterName = null;
    for (Iterator<Path.Node> nodes = violation.getPropertyPath().iterator(); nodes.hasNext(); ) {
      Path.Node node = nodes.next();
      ElementKind kind = node.getKind();
      if (kind == ElementKind.METHOD || kind == ElementKind.CONSTRUCTOR) {
        continue;
      }
      if (kind == ElementKind.PARAMETER) {
        parameterName = node.getName();
        int index = node.as(Path.ParameterNode.class).getParameterIndex();
        current = parameters != null && index < parameters.length ? parameters[index] : null;
        continue;
      }
      if (kind == ElementKind.RETURN_VALUE || kind == ElementKind.CROSS_PARAMETER) {
        return kind == ElementKind.RETURN_VALUE ? "return" : "parameters";
      }
      if (node.isInIterable()) {
        current = element(current, node);
        if (node.getIndex() != null) {
          path.append('[').append(node.getIndex()).append(']');
        } else if (node.getKey() != null) {
          path.append('[').append(node.getKey()).append(']');
        }
      }
      if (kind == ElementKind.PROPERTY) {
        BeanPropertyDefinition property = property(mapper, current, node.getName());
        appendName(path, property == null ? node.getName() : property.getName());
        current = value(property, current);
      }
    }
    if (path.isEmpty()) {
      // A query, path or header parameter (or the body itself) is the field.
      return parameterName != null ? parameterName : BODY;
    }
    return path.toString();
  }

  private static Object element(Object container, Path.Node node) {
    if (container instanceof List<?> list
        && node.getIndex() != null
        && node.getIndex() < list.size()) {
      return list.get(node.getIndex());
    }
    if (container instanceof Object[] array
        && node.getIndex() != null
        && node.getIndex() < array.length) {
      return array[node.getIndex()];
    }
    if (container instanceof Map<?, ?> map && node.getKey() != null) {
      return map.get(node.getKey());
    }
    return null;
  }

  private static BeanPropertyDefinition property(ObjectMapper mapper, Object bean, String name) {
    if (bean == null || name == null) {
      return null;
    }
    try {
      BeanDescription description =
          mapper.getDeserializationConfig().introspect(mapper.constructType(bean.getClass()));
      for (BeanPropertyDefinition property : description.findProperties()) {
        if (name.equals(property.getInternalName())) {
          return property;
        }
      }
    } catch (RuntimeException e) {
      // Introspection is best effort: the Java name is still a useful answer.
      return null;
    }
    return null;
  }

  private static Object value(BeanPropertyDefinition property, Object bean) {
    if (property == null || bean == null) {
      return null;
    }
    try {
      if (property.getAccessor() != null) {
        property.getAccessor().fixAccess(true);
        return property.getAccessor().getValue(bean);
      }
    } catch (RuntimeException e) {
      return null;
    }
    return null;
  }

  private static void appendName(StringBuilder path, String name) {
    if (!path.isEmpty()) {
      path.append('.');
    }
    path.append(name);
  }
}
