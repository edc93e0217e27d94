package io.inrank.k8s;

import static org.junit.jupiter.api.Assertions.*;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every overlay and run renders offline, and every object in it is a well-formed object of its type. */
class ManifestsTest {
    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu", "runs/run-2", "runs/data-parallel"})
    void rendersAndEveryObjectIsItsType(String dir) {
        Rendered r = Rendered.of(dir);
        assertFalse(r.objects.isEmpty(), dir + " renders nothing");
        System.out.printf("%-16s %2d objects %s%n", dir, r.objects.size(), r.counts());
        for (HasMetadata o : r.objects) {
            String name = o.getKind() + " " + o.getMetadata().getName();
            if (!o.getKind().equals("Namespace"))
                assertEquals("inrank", o.getMetadata().getNamespace(), name + " namespace");
        }
        long distinct = r.objects.stream()
                .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                .distinct()
                .count();
        assertEquals(r.objects.size(), distinct, dir + ": duplicate objects");
    }

    /** The emulated CUDA device is for tests: no rendered object, image file or entrypoint may switch it on. */
    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu", "runs/run-2", "runs/data-parallel"})
    void noWorkloadRunsOnTheEmulatedCudaDevice(String dir) throws Exception {
        String rendered = Rendered.JSON.writeValueAsString(Rendered.of(dir).objects);
        assertFalse(rendered.contains("INRANK_CUDA_EMULATION"), dir + " enables the emulated CUDA device");
        assertFalse(rendered.contains("emulated-cuda"), dir + " names the emulator's libraries");
        try (var files = java.nio.file.Files.list(Rendered.K8S.resolve("images"))) {
            for (java.nio.file.Path f : files.toList()) {
                String text = java.nio.file.Files.readString(f);
                assertFalse(text.contains("INRANK_CUDA_EMULATION") || text.contains("cuda-emulator"), f.toString());
            }
        }
    }

    @Test
    void aMisspeltFieldIsCaught() {
        var bad = Rendered.JSON.createObjectNode();
        bad.put("apiVersion", "apps/v1")
                .put("kind", "Deployment")
                .putObject("metadata")
                .put("name", "x");
        bad.putObject("spec")
                .putObject("template")
                .putObject("spec")
                .putArray("containers")
                .addObject()
                .put("name", "c")
                .put("resource", "oops");
        AssertionError e = assertThrows(AssertionError.class, () -> TypedObjects.parse(bad));
        assertTrue(e.getMessage().contains("resource"), e.getMessage());
        var strimzi = Rendered.JSON.createObjectNode();
        strimzi.put("apiVersion", "kafka.strimzi.io/v1beta2")
                .put("kind", "KafkaTopic")
                .putObject("metadata")
                .put("name", "t");
        strimzi.putObject("spec").put("partitions", 1).put("retention", "7d");
        assertThrows(AssertionError.class, () -> TypedObjects.parse(strimzi));
    }

    @Test
    void theOverlaysDifferWhereTheyShould() {
        List<String> local = Rendered.of("overlays/local").objects.stream()
                .map(o -> o.getKind())
                .distinct()
                .sorted()
                .toList();
        List<String> gpu = Rendered.of("overlays/gpu").objects.stream()
                .map(o -> o.getKind())
                .distinct()
                .sorted()
                .toList();
        assertEquals(local, gpu, "both overlays deploy the same kinds of objects");
    }
}
