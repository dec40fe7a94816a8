package org.rendezvous.deploy;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every manifest of deploy/k8s is a well-formed Kubernetes object of its kind, with no field Kubernetes would drop. */
class ManifestParsingTest {

  @Test
  void everyResourceParsesStrictlyIntoItsTypedKubernetesObject() throws IOException {
    Set<String> kinds = new TreeSet<>();
    for (String file : DeployTree.resourceFiles()) {
      HasMetadata object = DeployTree.parse(Files.readString(DeployTree.K8S.resolve(file)));
      assertTrue(object.getMetadata().getName() != null && !object.getMetadata().getName().isBlank(), file + " has a name");
      assertEquals("rendezvous", object.getMetadata().getLabels().get("app.kubernetes.io/name"), file + " carries the app label");
      kinds.add(object.getKind());
    }
    assertEquals(Set.of("StatefulSet", "Service", "PodDisruptionBudget", "NetworkPolicy"), kinds);
    assertEquals(List.of("node.json", "cluster.xml"), List.copyOf(DeployTree.configMap().getData().keySet()));
  }

  @Test
  void theKustomizationRendersEveryManifestInTheDirectoryAndUsesOnlyCheckedKeys() throws IOException {
    assertTrue(DeployTree.KUSTOMIZATION_KEYS.containsAll(DeployTree.kustomization().keySet()),
        "kustomization.yaml keys " + DeployTree.kustomization().keySet());
    assertEquals("Kustomization", DeployTree.kustomization().get("kind"));
    Set<String> onDisk;
    try (Stream<Path> files = Files.list(DeployTree.K8S)) {
      onDisk = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(onDisk, new TreeSet<>(DeployTree.resourceFiles()), "a manifest not in resources would never be applied");
  }

  @Test
  void theStrictParserRejectsAMisspeltFieldAQuotedNumberAndAWrongApiVersion() throws IOException {
    String sts = Files.readString(DeployTree.K8S.resolve("statefulset.yaml"));
    assertInstanceOf(StatefulSet.class, DeployTree.parse(sts));

    String misspelt = sts.replace("terminationGracePeriodSeconds:", "terminationGracePeriodSecond:");
    UnrecognizedPropertyException e = assertThrows(UnrecognizedPropertyException.class, () -> DeployTree.parse(misspelt));
    assertEquals("terminationGracePeriodSecond", e.getPropertyName());

    String quoted = sts.replace("replicas: 3", "replicas: \"3\"");
    assertThrows(IOException.class, () -> DeployTree.parse(quoted));

    String oldApi = sts.replace("apiVersion: apps/v1", "apiVersion: apps/v1beta2");
    assertThrows(IOException.class, () -> DeployTree.parse(oldApi));
  }
}
