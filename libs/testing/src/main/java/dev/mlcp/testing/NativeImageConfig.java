package dev.mlcp.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks a module's native-image registrations against its code, so a record added without them
 * fails the JVM build instead of a native binary at run time.
 *
 * <p>The rule: every record and enum of mlcp's main code, and every serializer a Jackson annotation
 * names, is registered for reflection with its constructors, methods and fields (what Jackson needs
 * to read and write records in a native image). Registrations live in {@code
 * META-INF/native-image/dev.mlcp/<artifactId>/reflect-config.json} of the module (picked up by
 * native-image from every jar) or in {@code @RegisterForReflection}. A record's components that are
 * mlcp types of other modules must be registered by those modules.
 */
public final class NativeImageConfig {
  /** The libraries that carry registrations, besides the module under test. */
  public static final List<String> LIBRARIES =
      List.of("mlcp-events", "mlcp-state", "mlcp-platform", "mlcp-messaging", "mlcp-web");

  private static final String PREFIX = "dev.mlcp.";
  private static final List<String> FLAGS =
      List.of("allDeclaredConstructors", "allDeclaredMethods", "allDeclaredFields");
  private static final ObjectMapper JSON = new ObjectMapper();

  private NativeImageConfig() {}

  /** The resource path of a module's native-image configuration file. */
  public static String resource(String artifactId, String file) {
    return "META-INF/native-image/dev.mlcp/" + artifactId + "/" + file;
  }

  /**
   * What is wrong with the reflection registrations of the module whose main classes hold {@code
   * anchor} (artifact {@code artifactId}); empty when nothing is. Each problem names the class and,
   * for a missing one, the entry to add.
   */
  public static List<String> reflectionProblems(Class<?> anchor, String artifactId) {
    Path classes = classesDirectory(anchor);
    List<Class<?>> own = classesIn(classes, anchor.getClassLoader());
    Map<String, JsonNode> config = reflectConfig(artifactId, classes);
    Set<String> registered = new HashSet<>(config.keySet());
    for (String library : LIBRARIES) {
      registered.addAll(reflectConfig(library, null).keySet());
    }
    for (Class<?> c : own) {
      registered.addAll(annotationTargets(c));
    }

    List<String> problems = new ArrayList<>();
    for (Class<?> c : jsonCandidates(own)) {
      JsonNode entry = config.get(c.getName());
      if (entry == null) {
        if (!registered.contains(c.getName())) {
          problems.add("not registered for reflection: " + c.getName() + "; add " + entryFor(c));
        }
        continue;
      }
      for (String flag : FLAGS) {
        if (!entry.path(flag).asBoolean(false)) {
          problems.add(c.getName() + ": reflect-config entry lacks \"" + flag + "\": true");
        }
      }
    }
    for (String name : config.keySet()) {
      Class<?> c = load(name, anchor.getClassLoader());
      if (c == null) {
        problems.add("stale reflect-config entry, no such class: " + name);
      } else if (name.startsWith(PREFIX) && !classes.equals(codeSource(c))) {
        problems.add("reflect-config entry for an mlcp class of another module: " + name);
      }
    }
    for (Class<?> c : own) {
      if (!c.isRecord()) {
        continue;
      }
      for (RecordComponent component : c.getRecordComponents()) {
        for (Class<?> used : mlcpTypes(component.getGenericType())) {
          if (!own.contains(used)
              && needsRegistration(used)
              && !registered.contains(used.getName())) {
            problems.add(
                c.getName()
                    + "."
                    + component.getName()
                    + ": its type "
                    + used.getName()
                    + " is registered by no module");
          }
        }
      }
    }
    return problems;
  }

  /**
   * What is wrong with the resource registrations of {@code artifactId}: each named resource must
   * exist on the class path and match an include pattern of its {@code resource-config.json}.
   */
  public static List<String> resourceProblems(
      Class<?> anchor, String artifactId, String... resources) {
    List<String> problems = new ArrayList<>();
    List<Pattern> includes = new ArrayList<>();
    for (JsonNode file : read(resource(artifactId, "resource-config.json"), null)) {
      for (JsonNode include : file.path("resources").path("includes")) {
        includes.add(Pattern.compile(include.path("pattern").asText()));
      }
    }
    for (String name : resources) {
      if (anchor.getClassLoader().getResource(name) == null) {
        problems.add("no resource " + name + " on the class path");
      }
      if (includes.stream().noneMatch(p -> p.matcher(name).matches())) {
        problems.add(
            "resource "
                + name
                + " is not included in "
                + resource(artifactId, "resource-config.json"));
      }
    }
    return problems;
  }

  /**
   * The native-image metadata files ({@code META-INF/native-image/**}) of the jar that holds {@code
   * c}: how a third-party library (the Google clients, gax) brings its own configuration.
   */
  public static List<String> nativeImageMetadata(Class<?> c) {
    Path jar = codeSource(c);
    if (jar == null || !Files.isRegularFile(jar)) {
      return List.of();
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.stream()
          .map(JarEntry::getName)
          .filter(n -> n.startsWith("META-INF/native-image/"))
          .filter(n -> n.endsWith(".json") || n.endsWith(".properties"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(jar.toString(), e);
    }
  }

  /** The reflect-config entry mlcp uses for {@code c}. */
  public static String entryFor(Class<?> c) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", c.getName());
    for (String flag : FLAGS) {
      entry.put(flag, true);
    }
    try {
      return JSON.writeValueAsString(entry);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- what needs registering --------------------------------------------------------------

  private static Set<Class<?>> jsonCandidates(List<Class<?>> own) {
    Set<Class<?>> out = new TreeSet<>(Comparator.comparing(Class::getName));
    for (Class<?> c : own) {
      if (needsRegistration(c)) {
        out.add(c);
      }
      for (Class<?> serializer : jacksonUsing(c)) {
        if (serializer.getName().startsWith(PREFIX)) {
          out.add(serializer);
        }
      }
    }
    return out;
  }

  private static boolean needsRegistration(Class<?> c) {
    return c.getName().startsWith(PREFIX) && (c.isRecord() || c.isEnum());
  }

  /** Classes named by {@code @JsonSerialize(using=)} / {@code @JsonDeserialize(using=)}. */
  private static List<Class<?>> jacksonUsing(Class<?> c) {
    List<Class<?>> out = new ArrayList<>();
    for (Annotation a : c.getAnnotations()) {
      String type = a.annotationType().getName();
      if (type.equals("com.fasterxml.jackson.databind.annotation.JsonSerialize")
          || type.equals("com.fasterxml.jackson.databind.annotation.JsonDeserialize")) {
        try {
          Object using = a.annotationType().getMethod("using").invoke(a);
          if (using instanceof Class<?> u && !Modifier.isAbstract(u.getModifiers())) {
            out.add(u);
          }
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return out;
  }

  private static Set<String> annotationTargets(Class<?> c) {
    RegisterForReflection r = c.getAnnotation(RegisterForReflection.class);
    if (r == null) {
      return Set.of();
    }
    Set<String> out = new HashSet<>();
    for (Class<?> t : r.targets()) {
      out.add(t.getName());
    }
    Collections.addAll(out, r.classNames());
    if (r.targets().length == 0 && r.classNames().length == 0) {
      out.add(c.getName());
    }
    return out;
  }

  private static Set<Class<?>> mlcpTypes(Type type) {
    Set<Class<?>> out = new HashSet<>();
    collect(type, out, new HashSet<>());
    return out;
  }

  private static void collect(Type type, Set<Class<?>> out, Set<Type> seen) {
    if (!seen.add(type)) {
      return;
    }
    if (type instanceof Class<?> c) {
      if (c.isArray()) {
        collect(c.getComponentType(), out, seen);
      } else if (c.getName().startsWith(PREFIX)) {
        out.add(c);
      }
    } else if (type instanceof ParameterizedType p) {
      collect(p.getRawType(), out, seen);
      for (Type argument : p.getActualTypeArguments()) {
        collect(argument, out, seen);
      }
    } else if (type instanceof GenericArrayType g) {
      collect(g.getGenericComponentType(), out, seen);
    } else if (type instanceof WildcardType w) {
      for (Type bound : w.getUpperBounds()) {
        collect(bound, out, seen);
      }
    } else if (type instanceof TypeVariable<?> v) {
      for (Type bound : v.getBounds()) {
        collect(bound, out, seen);
      }
    }
  }

  // ---- reading the module and its configuration --------------------------------------------

  /** reflect-config entries by class name; only the copy under {@code onlyIn} when given. */
  private static Map<String, JsonNode> reflectConfig(String artifactId, Path onlyIn) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode file : read(resource(artifactId, "reflect-config.json"), onlyIn)) {
      for (JsonNode entry : file) {
        out.put(entry.path("name").asText(), entry);
      }
    }
    return out;
  }

  private static List<JsonNode> read(String resource, Path onlyIn) {
    List<JsonNode> out = new ArrayList<>();
    try {
      Enumeration<URL> urls = NativeImageConfig.class.getClassLoader().getResources(resource);
      while (urls.hasMoreElements()) {
        URL url = urls.nextElement();
        if (onlyIn != null
            && !(url.getProtocol().equals("file") && Path.of(url.toURI()).startsWith(onlyIn))) {
          continue;
        }
        try (InputStream in = url.openStream()) {
          out.add(JSON.readTree(in));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(resource, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static Path classesDirectory(Class<?> anchor) {
    Path path = codeSource(anchor);
    if (path == null || !Files.isDirectory(path)) {
      throw new IllegalStateException(
          anchor.getName() + " is not loaded from a classes directory: " + path);
    }
    return path;
  }

  private static Path codeSource(Class<?> c) {
    try {
      URL location = c.getProtectionDomain().getCodeSource().getLocation();
      return location == null ? null : Path.of(location.toURI()).toAbsolutePath().normalize();
    } catch (URISyntaxException | NullPointerException e) {
      return null;
    }
  }

  private static List<Class<?>> classesIn(Path classes, ClassLoader loader) {
    try (Stream<Path> files = Files.walk(classes)) {
      return files
          .filter(f -> f.toString().endsWith(".class"))
          .map(f -> classes.relativize(f).toString())
          .filter(f -> !f.endsWith("module-info.class") && !f.endsWith("package-info.class"))
          .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.'))
          .<Class<?>>map(name -> load(name, loader))
          .filter(c -> c != null && !c.isSynthetic() && !c.isAnonymousClass())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }
}
