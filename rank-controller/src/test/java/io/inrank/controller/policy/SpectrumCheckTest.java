package io.inrank.controller.policy;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.protocol.SpectrumReport;
import org.junit.jupiter.api.Test;

/** What makes a reported spectrum unusable, said in words. */
class SpectrumCheckTest {
    @Test
    void spectrumChecksNameTheProblem() {
        var ok = new SpectrumReport.LayerSpectrum("h.0.mlp.fc1", 4, 8, 1, 1, 2, new double[] {3, 2, 1, 0});
        assertNull(SpectrumCheck.problem(ok));
        assertTrue(SpectrumCheck.problem(new SpectrumReport.LayerSpectrum("x", 4, 8, 1, 1, 2, new double[] {3, 2, 1}))
                .contains("expected min(rows, cols) = 4"));
        assertTrue(SpectrumCheck.problem(
                        new SpectrumReport.LayerSpectrum("x", 4, 8, 1, 1, 2, new double[] {3, Double.NaN, 1, 0}))
                .contains("NaN"));
        assertTrue(
                SpectrumCheck.problem(new SpectrumReport.LayerSpectrum("x", 4, 8, 1, 1, 2, new double[] {3, 2, -1, 0}))
                        .contains("negative"));
        assertTrue(
                SpectrumCheck.problem(new SpectrumReport.LayerSpectrum("x", 4, 8, 1, 1, 2, new double[] {1, 2, 1, 0}))
                        .contains("not descending"));
        assertTrue(
                SpectrumCheck.problem(new SpectrumReport.LayerSpectrum("x", 4, 8, 2, 1, 2, new double[] {3, 2, 1, 0}))
                        .contains("exceeds maxRank"));
    }
}
