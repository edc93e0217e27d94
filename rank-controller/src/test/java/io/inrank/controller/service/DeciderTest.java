package io.inrank.controller.service;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.controller.Spectra;
import io.inrank.controller.service.Decider.Reason;
import io.inrank.controller.state.RunState;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Decider's bounds: step distance, the idempotency window, the layer set, and the reasons it gives. */
class DeciderTest {

    static SpectrumReport report(String run, long step, int rank) {
        return ControllerServiceTest.report(run, step, rank, step);
    }

    static Decider.Rejected refused(SpectrumReport r, RunState s, long maxJump) {
        return assertThrows(Decider.Rejected.class, () -> Decider.decide(r, s, maxJump));
    }

    @Test
    void aFirstReportIsNotBoundedButLaterStepsStayWithinTheJump() throws Exception {
        RunState s =
                Decider.decide(report("r", 1_000_000_000_000_000L, 2), null).state();
        assertEquals(1_000_000_000_000_000L, s.lastStep(), "a run's first report may start anywhere (a resumed run)");

        s = Decider.decide(report("r", 100, 2), null, 50).state();
        Decider.Rejected e = refused(report("r", 151, 2), s, 50);
        assertEquals(Reason.STEP, e.reason());
        assertTrue(
                e.getMessage().contains("more than max-step-jump 50 past the last decided step 100"), e.getMessage());
        assertEquals(150, Decider.decide(report("r", 150, 2), s, 50).state().lastStep(), "exactly the jump is fine");

        e = refused(report("r", 1_000_000_000_000_000L, 2), s, Decider.DEFAULT_MAX_STEP_JUMP);
        assertEquals(Reason.STEP, e.reason());
    }

    @Test
    void repeatsInsideTheWindowGetTheStoredDecisionOlderOnesAreRefusedWithTheWindowNamed() throws Exception {
        RunState s = null;
        List<RankDecision> published = new ArrayList<>();
        for (long step = 10; step <= 200; step += 10) {
            Decider.Outcome o = Decider.decide(report("w", step, 2), s);
            published.add(o.decision());
            s = o.state();
        }
        assertEquals(20, s.decisions());
        // cut the window to a few entries, as a state write does
        RunState cut = s.encoded(2500).state();
        assertTrue(
                cut.recent().size() < 20 && cut.recent().size() >= 1,
                "window of " + cut.recent().size());
        long oldest = cut.oldestKept();
        assertEquals(200, cut.recent().get(cut.recent().size() - 1).step(), "the newest is kept");

        Decider.Outcome again = Decider.decide(report("w", oldest, 9), cut);
        assertTrue(again.repeated());
        assertSame(cut, again.state(), "a repeat changes nothing");
        assertEquals(published.get((int) (oldest / 10 - 1)), again.decision(), "the decision as first published");

        Decider.Rejected e = refused(report("w", oldest - 10, 2), cut, 1000);
        assertEquals(Reason.STEP, e.reason());
        assertTrue(e.getMessage().contains("older than the idempotency window"), e.getMessage());
        e = refused(report("w", 195, 2), cut, 1000);
        assertTrue(e.getMessage().contains("goes backwards (last decided step 200"), e.getMessage());
    }

    @Test
    void theFirstReportFixesTheLayerSet() throws Exception {
        List<String> names = Spectra.names(2);
        int[] r = {2, 2, 2, 2};
        RunState s = Decider.decide(Spectra.report("l", 10, names, r, 64, 8, 32, 20), null)
                .state();
        assertEquals(names, List.copyOf(s.layers().keySet()));

        List<String> bogus = new ArrayList<>(names);
        bogus.set(3, "h.1.mlp.bogus");
        Decider.Rejected e = refused(Spectra.report("l", 20, bogus, r, 64, 8, 32, 20), s, 1000);
        assertEquals(Reason.LAYERS, e.reason());
        assertTrue(e.getMessage().contains("layer h.1.mlp.bogus is unknown to run l"), e.getMessage());

        e = refused(Spectra.report("l", 20, names.subList(0, 3), new int[] {2, 2, 2}, 64, 8, 32, 20), s, 1000);
        assertEquals(Reason.LAYERS, e.reason());
        assertTrue(e.getMessage().contains("[h.1.mlp.fc2]") && e.getMessage().contains("missing"), e.getMessage());

        List<String> twice = new ArrayList<>(names);
        twice.set(3, names.get(0));
        e = refused(Spectra.report("l", 20, twice, r, 64, 8, 32, 20), s, 1000);
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());

        // the same layers in another order: decided as usual, listed in the run's order
        List<String> reversed = new ArrayList<>(names);
        Collections.reverse(reversed);
        SpectrumReport inOrder = Spectra.report("l", 20, names, r, 64, 8, 32, 20);
        List<SpectrumReport.LayerSpectrum> rev = new ArrayList<>(inOrder.layers());
        Collections.reverse(rev);
        SpectrumReport reordered = new SpectrumReport(1, "l", 20, rev, null, Map.of("alpha", 0.9));
        assertEquals(
                Decider.decide(inOrder, s).decision().layers(),
                Decider.decide(reordered, s).decision().layers());

        // a bogus first report would fix a bogus set: that is why the service checks signatures first
        RunState b = Decider.decide(Spectra.report("b", 10, bogus, r, 64, 8, 32, 20), null)
                .state();
        assertEquals(
                Reason.LAYERS,
                refused(Spectra.report("b", 20, names, r, 64, 8, 32, 20), b, 1000)
                        .reason());
    }

    @Test
    void badPolicySpectrumAndAlphaHaveTheirReasons() {
        SpectrumReport r = report("p", 10, 2);
        SpectrumReport policy = new SpectrumReport(1, "p", 10, r.layers(), "nope", Map.of());
        assertEquals(Reason.POLICY, refused(policy, null, 10).reason());
        SpectrumReport alpha = new SpectrumReport(1, "p", 10, r.layers(), null, Map.of("alpha", 1.5));
        assertEquals(Reason.POLICY, refused(alpha, null, 10).reason());
        SpectrumReport nan = report("p", 10, 2);
        nan.layers().get(0).singularValues()[1] = Double.NaN;
        Decider.Rejected e = refused(nan, null, 10);
        assertEquals(Reason.SPECTRUM, e.reason());
        assertTrue(e.getMessage().contains("is NaN"));
        assertEquals("spectrum", Reason.SPECTRUM.tag());
    }
}
