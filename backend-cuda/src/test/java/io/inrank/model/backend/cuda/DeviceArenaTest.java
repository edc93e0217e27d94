package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The arena's planning (no GPU needed): alignment, reuse, merging, the full-arena message, the size setting. */
class DeviceArenaTest {

    @Test
    void rangesAreAlignedDisjointAndReusedAfterFree() {
        DeviceArena a = new DeviceArena(1 << 20);
        long x = a.allocate(10), y = a.allocate(300), z = a.allocate(4);
        assertEquals(0, x);
        assertEquals(256, y);
        assertEquals(768, z);
        assertEquals(1024, a.inUse());
        a.free(y);
        assertEquals(256, a.allocate(512), "first fit takes the freed range");
        assertEquals(1024, a.peak());
    }

    @Test
    void freedNeighboursMergeBackIntoOneRange() {
        DeviceArena a = new DeviceArena(64 * 256);
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < 64; i++) got.add(a.allocate(256));
        assertEquals(0, a.freeRanges());
        java.util.Collections.shuffle(got, new Random(3));
        for (long o : got) a.free(o);
        assertEquals(1, a.freeRanges());
        assertEquals(64 * 256, a.largestFree());
        assertEquals(0, a.inUse());
        assertEquals(0, a.allocate(64 * 256), "the whole arena is one range again");
    }

    @Test
    void randomAllocateFreeKeepsTheBooksBalanced() {
        DeviceArena a = new DeviceArena(1 << 24);
        Random r = new Random(5);
        List<long[]> live = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            if (live.isEmpty() || r.nextInt(3) > 0) {
                long size = 1 + r.nextInt(20000);
                long at = a.allocate(size);
                assertEquals(0, at % DeviceArena.ALIGN);
                for (long[] l : live) assertTrue(at + size <= l[0] || l[0] + l[1] <= at, "overlap");
                live.add(new long[] {at, DeviceArena.aligned(size)});
            } else {
                a.free(live.remove(r.nextInt(live.size()))[0]);
            }
            long sum = 0;
            for (long[] l : live) sum += l[1];
            assertEquals(sum, a.inUse());
        }
    }

    @Test
    void aFullArenaSaysWhatToChange() {
        DeviceArena a = new DeviceArena(1 << 20);
        a.allocate(900_000);
        DeviceArena.OutOfDeviceMemory e = assertThrows(DeviceArena.OutOfDeviceMemory.class, () -> a.allocate(200_000));
        assertTrue(e.getMessage().contains("INRANK_CUDA_MEMORY"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.free(12345));
    }

    @Test
    void arenaSizeSetting() {
        long gib = 1L << 30, free = 100 * gib;
        assertEquals(90 * gib, DeviceMemory.arenaBytes(null, free), "default: 90 % of free");
        assertEquals(gib, DeviceMemory.arenaBytes("", 2 * gib), "default keeps 1 GiB for library workspaces");
        assertEquals(40 * gib, DeviceMemory.arenaBytes("40g", free));
        assertEquals(512L << 20, DeviceMemory.arenaBytes("512M", free));
        assertEquals(50 * gib, DeviceMemory.arenaBytes("0.5", free));
        for (String bad : new String[] {"lots", "-1g", "0", "1.5", "g"}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> DeviceMemory.arenaBytes(bad, free), bad);
            assertTrue(e.getMessage().contains("INRANK_CUDA_MEMORY"), e.getMessage());
        }
    }

    @Test
    void launchShapesCoverTheWork() {
        assertEquals(1, LaunchShapes.grid(0, 256));
        assertEquals(1, LaunchShapes.grid(256, 256));
        assertEquals(2, LaunchShapes.grid(257, 256));
        assertEquals(
                LaunchShapes.MAX_GRID, LaunchShapes.grid(1L << 40, 256), "grid-stride kernels loop beyond the cap");
        assertEquals(2, LaunchShapes.warpRowsGrid(9));
        assertEquals(16, LaunchShapes.layerNormChunks(16 * 1024 / 16));
        assertEquals(1, LaunchShapes.dropoutGrid(1));
        assertEquals(2, LaunchShapes.dropoutGrid(4 * 256 + 1));
        assertEquals(264, LaunchShapes.reductionPartials(132), "H100/H200: 2 per SM");
        assertEquals(1024, LaunchShapes.reductionPartials(4096));
    }
}
