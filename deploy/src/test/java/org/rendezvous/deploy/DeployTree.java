package org.rendezvous.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deploy/ tree as the tests read it: the kustomize base parsed strictly into fabric8's typed
 * Kubernetes objects (what `kubectl kustomize deploy/k8s` renders), and the image facts.
 */
final class DeployTree {

  /** The deploy module's directory (Surefire runs in it). */
  static final Path DEPLOY = locate();
  static final Path K8S = DEPLOY.resolve("k8s");
  static final Path REPO = DEPLOY.getParent();
  /** The node's fat jar, which the reactor builds before this module's tests. */
  static final Path NODE_JAR = REPO.resolve("node/target/rendezvous.jar");

  /** The kinds the base may hold, each with its typed class. */
  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "StatefulSet", StatefulSet.class,
      "Service", Service.class,
      "ConfigMap", ConfigMap.class,
      "PodDisruptionBudget", PodDisruptionBudget.class,
      "NetworkPolicy", NetworkPolicy.class);

  /** The keys of kustomization.yaml this base uses; anything else would be rendered unchecked. */
  static final Set<String> KUSTOMIZATION_KEYS = Set.of("apiVersion", "kind", "resources", "configMapGenerator");

  private static final ObjectMapper STRICT = strictMapper();

  private DeployTree() {
  }

  private static Path locate() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p : List.of(here, here.resolve("deploy"))) {
      if (Files.isRegularFile(p.resolve("k8s/kustomization.yaml"))) {
        return p;
      }
    }
    throw new IllegalStateException("run from the deploy module or the repository root, not " + here);
  }

  /**
   * YAML into fabric8 types, refusing what Kubernetes would refuse or ignore: a field the type does
   * not have (fabric8 would keep it in additionalProperties), and a quoted number or boolean.
   */
  private static ObjectMapper strictMapper() {
    ObjectMapper m = new ObjectMapper(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
          @Override
          public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
          }
        });
    for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    return m;
  }

  /** One YAML document into its kind's type, strictly; the apiVersion must be that type's. */
  static HasMetadata parse(String yaml) throws IOException {
    JsonNode tree = STRICT.readTree(yaml);
    String kind = tree.path("kind").asText();
    Class<? extends HasMetadata> type = KINDS.get(kind);
    if (type == null) {
      throw new IOException("kind \"" + kind + "\" is not one the base may hold: " + KINDS.keySet());
    }
    String group = HasMetadata.getGroup(type);
    String apiVersion = (group == null || group.isEmpty() ? "" : group + "/") + HasMetadata.getVersion(type);
    if (!apiVersion.equals(tree.path("apiVersion").asText())) {
      throw new IOException(kind + " must be apiVersion " + apiVersion + ", got " + tree.path("apiVersion").asText());
    }
    HasMetadata object = STRICT.treeToValue(tree, type);
    JsonNode back = STRICT.valueToTree(object);
    String difference = difference("", tree, back);
    if (difference != null) {
      throw new IOException(kind + " " + object.getMetadata().getName() + " changes in a round trip through its type: " + difference);
    }
    return object;
  }

  /** The first place where {@code written} differs from {@code read}, or null. */
  private static String difference(String path, JsonNode read, JsonNode written) {
    if (read.isObject() && written.isObject()) {
      Set<String> names = new java.util.TreeSet<>();
      read.fieldNames().forEachRemaining(names::add);
      written.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode r = read.get(name);
        JsonNode w = written.get(name);
        if (r == null || w == null) {
          return path + "/" + name + ": read " + r + ", written " + w;
        }
        String d = difference(path + "/" + name, r, w);
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (read.isArray() && written.isArray() && read.size() == written.size()) {
      for (int i = 0; i < read.size(); i++) {
        String d = difference(path + "/" + i, read.get(i), written.get(i));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    boolean same = read.isNumber() && written.isNumber()
        ? read.decimalValue().compareTo(written.decimalValue()) == 0 // an int read, a long written
        : read.equals(written);
    return same ? null : path + ": read " + read + ", written " + written;
  }

  static Map<String, Object> kustomization() {
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> k = STRICT.readValue(K8S.resolve("kustomization.yaml").toFile(), Map.class);
      return k;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static List<String> resourceFiles() {
    return (List<String>) kustomization().get("resources");
  }

  /** Every object the base renders: its resources, then the generated ConfigMap. */
  static List<HasMetadata> objects() {
    List<HasMetadata> all = new ArrayList<>();
    try {
      for (String file : resourceFiles()) {
        all.add(parse(Files.readString(K8S.resolve(file))));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    all.add(configMap());
    return all;
  }

  /** The ConfigMap kustomize generates (before it appends the content hash to the name). */
  @SuppressWarnings("unchecked")
  static ConfigMap configMap() {
    List<Map<String, Object>> generators = (List<Map<String, Object>>) kustomization().get("configMapGenerator");
    if (generators == null || generators.size() != 1) {
      throw new IllegalStateException("the base generates exactly one ConfigMap");
    }
    Map<String, Object> g = generators.get(0);
    Map<String, String> data = new LinkedHashMap<>();
    try {
      for (String file : (List<String>) g.get("files")) {
        data.put(Path.of(file).getFileName().toString(), Files.readString(K8S.resolve(file)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> options = (Map<String, Object>) g.getOrDefault("options", Map.of());
    return new ConfigMapBuilder().withNewMetadata().withName((String) g.get("name"))
        .withLabels((Map<String, String>) options.getOrDefault("labels", Map.of())).endMetadata()
        .withData(data).build();
  }

  static <T extends HasMetadata> T only(Class<T> type) {
    List<T> found = objects().stream().filter(type::isInstance).map(type::cast).toList();
    if (found.size() != 1) {
      throw new IllegalStateException("expected one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  static Service service(String name) {
    return objects().stream().filter(o -> o instanceof Service && o.getMetadata().getName().equals(name))
        .map(Service.class::cast).findFirst()
        .orElseThrow(() -> new IllegalStateException("no Service " + name));
  }

  static StatefulSet statefulSet() {
    return only(StatefulSet.class);
  }

  static Container nodeContainer() {
    List<Container> containers = statefulSet().getSpec().getTemplate().getSpec().getContainers();
    if (containers.size() != 1) {
      throw new IllegalStateException("the pod runs one container, the node");
    }
    return containers.get(0);
  }

  /** The ConfigMap's node.json, as the node reads it. */
  static JsonObject nodeConfig() {
    return new JsonObject(configMap().getData().get("node.json"));
  }

  /** deploy/image/image.env: KEY=value lines, values optionally in double quotes. */
  static Map<String, String> imageFacts() {
    Pattern line = Pattern.compile("([A-Z_]+)=\"?([^\"]*)\"?");
    Map<String, String> facts = new LinkedHashMap<>();
    try {
      for (String l : Files.readAllLines(DEPLOY.resolve("image/image.env"))) {
        if (l.isBlank() || l.startsWith("#")) {
          continue;
        }
        Matcher m = line.matcher(l);
        if (!m.matches()) {
          throw new IllegalStateException("image.env: not KEY=value: " + l);
        }
        facts.put(m.group(1), m.group(2));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return facts;
  }
}
