package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The GPU check's Java side on the emulated device, as bench/gpu-check.sh runs it on a GPU: the tiny model's 20-step
 * losses against the stored nd4j losses (≤ 1e-3 relative) and bit-identical on a repeat; per layer the singular
 * values, the rank the official rule picks and the resized product against the reference; the collectives. (Precision is fixed per
 * process once the backend is open; EmulatedDeviceTest checks the tf32/bf16 GEMM rounding directly.)
 */
class EmulatedCheckTest {

    @Test
    void tinyModelLossesMatchTheStoredNd4jLossesAndRepeatBitForBit() {
        String[] r = GpuCheckTest.run("losses", "--backend", "cuda", "--repeat", "2", "--tolerance", "1e-3");
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("\"bit_identical\":true"), r[1]);
    }

    @Test
    void spectraDecisionsAndResizeAgreeWithTheReference() {
        String[] r = GpuCheckTest.run("spectra", "--backend", "cuda");
        assertEquals("0", r[0], r[1] + r[2]);
        assertEquals(
                4, r[1].lines().filter(l -> l.contains("\"check\":\"spectra\"")).count(), r[1]);
    }

    /** At this process's fp32 (bench/gpu-check.sh runs it at bf16 in a JVM of its own, as `gpu-check.sh local` does). */
    @Test
    void collectivesThroughTheBackendIncludingTheOverlappedBuckets() {
        String[] r = GpuCheckTest.run("collectives", "--backend", "cuda");
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("\"bucketed_wrong\":0,\"bf16\":false"), r[1]);
    }
}
