package io.inrank.model;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a data-parallel trainer relies on to overlap its all-reduce with the backward: every range the backward reports
 * already holds its final gradient when reported (a range reduced earlier would miss later contributions), the ranges
 * never overlap and run from the buffer's end to its start, and every gradient the backward makes non-zero is in one.
 * Checked by copying the whole gradient buffer at each report, on every backend, dense and InRank with inactive modes.
 */
class GradientsReadyTest {

    /** The reference in float64, every subject in each dtype it holds (a GPU backend: float32). */
    static Stream<Object[]> backends() {
        return Stream.concat(
                Stream.<Object[]>of(new Object[] {TestBackends.reference(), DType.F64}),
                TestBackends.subjectsAndTypes());
    }

    record Report(long offset, long length, double[] gradsThen) {}

    static List<Report> backward(GptModel m, long seed) {
        Backend be = m.backend();
        int n = m.batch() * m.seq(), vocab = m.config().vocab();
        Random r = new Random(seed);
        m.params().zeroGrad();
        m.setDropoutStep(7);
        m.forward(r.ints(n, 0, vocab).toArray(), r.ints(n, 0, vocab).toArray(), true);
        List<Report> reports = new ArrayList<>();
        m.backward(
                0.5,
                (offset, length) -> reports.add(
                        new Report(offset, length, be.toHost(m.params().grads()))));
        return reports;
    }

    static void check(GptModel m, List<Report> reports) {
        double[] last = m.backend().toHost(m.params().grads());
        boolean[] covered = new boolean[last.length];
        long below = last.length; // every range ends at or below the previous one's start
        for (Report r : reports) {
            assertTrue(r.length() > 0 && r.offset() >= 0 && r.offset() + r.length() <= below, "order: " + r);
            below = r.offset();
            for (long i = r.offset(); i < r.offset() + r.length(); i++) {
                covered[(int) i] = true;
                assertEquals(
                        last[(int) i],
                        r.gradsThen()[(int) i],
                        "gradient " + ModelGradientTest.nameOf(m.params(), i) + " changed after it was reported");
            }
        }
        assertEquals(0, below, "the last range ends at the buffer's start");
        int skipped = 0;
        for (int i = 0; i < last.length; i++) {
            if (covered[i]) continue;
            skipped++;
            assertEquals(0.0, last[i], "unreported non-zero gradient " + ModelGradientTest.nameOf(m.params(), i));
        }
        System.out.printf(
                "gradients ready %s %s %s: %d reports, %d of %d gradients left out (inactive modes)%n",
                m.backend().name(), m.params().dtype(), m.config().mode(), reports.size(), skipped, last.length);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void denseBlocksAreReportedWholeFromTheLast(Backend be, DType dtype) {
        GptModel m =
                new GptModel(be, ModelGradientTest.small(GptConfig.Mode.FULL).withDropout(0.1), 2, 5, dtype, 1, null);
        List<Report> reports = backward(m, 2);
        check(m, reports);
        assertEquals(2 + m.config().layers(), reports.size(), "ln_f, each block, the embeddings");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void inactiveModesAreLeftOutAndEverythingElseIsFinalWhenReported(Backend be, DType dtype) {
        GptModel m =
                new GptModel(be, ModelGradientTest.small(GptConfig.Mode.INRANK).withDropout(0.1), 2, 5, dtype, 3, null);
        m.setActiveModes(0, 2);
        m.setActiveModes(1, 4); // all of block 0's fc2: its A and Bt ranges join their neighbours
        m.setActiveModes(2, 1);
        m.setActiveModes(3, 3);
        List<Report> reports = backward(m, 4);
        check(m, reports);
        long[] blockRanges = reports.stream()
                .filter(r -> r.offset() > 0
                        && r.offset() < m.params().get("ln_f.weight").offset())
                .mapToLong(Report::length)
                .toArray();
        assertEquals(3 + 5, blockRanges.length, "block 0: 2 factors with unused rows, block 1: 4");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void cumulativeModelsReportTheirFactorsLikewise(Backend be, DType dtype) {
        GptModel m = new GptModel(be, ModelGradientTest.small(GptConfig.Mode.CUMULATIVE), 2, 5, dtype, 5, null);
        m.setActiveModes(1, 1);
        check(m, backward(m, 6));
    }
}
