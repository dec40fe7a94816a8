package org.rendezvous.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's fat jar carries Netty's native transports (epoll and io_uring, README {@code node.transport}) for both
 * machines deploy/image/build.sh builds an image on, x86_64 and arm64: without them a node falls back to NIO.
 */
class NativeTransportLibrariesTest {

  private static final Path JAR = DeployTree.NODE_JAR;

  @Test
  void theJarHoldsEpollAndIoUringForX8664AndAarch64() throws IOException {
    assertTrue(Files.isRegularFile(JAR), JAR + " is built before this module's tests (the reactor builds node first)");
    Set<String> natives = new TreeSet<>();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      jar.stream().map(JarEntry::getName)
          .filter(n -> n.startsWith("META-INF/native/libnetty_transport_native_"))
          .forEach(natives::add);
    }
    Set<String> expected = new TreeSet<>();
    for (String transport : List.of("epoll", "io_uring42")) { // Netty 4.2 names its io_uring library io_uring42
      for (String arch : List.of("x86_64", "aarch_64")) {
        expected.add("META-INF/native/libnetty_transport_native_" + transport + "_" + arch + ".so");
      }
    }
    assertEquals(expected, natives);
  }
}
