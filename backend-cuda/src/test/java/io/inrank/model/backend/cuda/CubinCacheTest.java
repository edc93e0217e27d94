package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CubinCacheTest {
    @TempDir
    Path tmp;

    @Test
    void aDifferentSourceArchitectureOrNvrtcGetsItsOwnFile() {
        CubinCache c = new CubinCache(tmp);
        String src = KernelSources.unit("gelu");
        Path f = c.file("gelu", src, "sm_90", "13.1");
        assertEquals(f, c.file("gelu", src, "sm_90", "13.1"), "stable");
        assertNotEquals(f, c.file("gelu", src + " ", "sm_90", "13.1"));
        assertNotEquals(f, c.file("gelu", src, "sm_100", "13.1"));
        assertNotEquals(f, c.file("gelu", src, "sm_90", "13.3"));
        assertThrows(IllegalArgumentException.class, () -> c.file("gelu", src, "90", "13.1"));
        assertThrows(IllegalArgumentException.class, () -> c.file("../x", src, "sm_90", "13.1"));
    }

    @Test
    void storesAtomicallyAndLoadsWhatItStored() throws Exception {
        CubinCache c = new CubinCache(tmp.resolve("cubin"));
        Path f = c.file("adamw", "source", "sm_90", "13.1");
        assertNull(c.load(f), "nothing cached yet");
        byte[] bytes = {0x7F, 'E', 'L', 'F', 1, 2, 3};
        c.store(f, bytes);
        assertArrayEquals(bytes, c.load(f));
        c.store(f, new byte[] {9}); // a second writer replaces it whole
        assertArrayEquals(new byte[] {9}, c.load(f));
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
