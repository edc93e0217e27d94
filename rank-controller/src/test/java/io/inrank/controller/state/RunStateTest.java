package io.inrank.controller.state;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.controller.Spectra;
import io.inrank.controller.service.Decider;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The state record: bounded by bytes, compact, read back exactly, and version 1 records still readable. */
class RunStateTest {
    static final List<String> NAMES = Spectra.names(12);

    /** {@code checks} decisions of a 24-layer run, ranks following the controller's answers. */
    static List<RankDecision> run(String run, int checks, List<RunState> states) throws Decider.Rejected {
        int[] ranks = new int[NAMES.size()];
        java.util.Arrays.fill(ranks, 2);
        RunState s = null;
        List<RankDecision> out = new ArrayList<>();
        for (int i = 1; i <= checks; i++) {
            Decider.Outcome o = Decider.decide(Spectra.report(run, 10L * i, NAMES, ranks, 256, 32, 256, 2 + i), s);
            s = o.state();
            out.add(o.decision());
            for (int l = 0; l < ranks.length; l++)
                ranks[l] = o.decision().layers().get(l).newRank();
        }
        states.add(s);
        return out;
    }

    @Test
    void theWindowIsCutToTheByteBudgetOldestFirstAndReadBackExactly() throws Exception {
        List<RunState> states = new ArrayList<>();
        List<RankDecision> published = run("b", 300, states);
        RunState full = states.get(0);
        assertEquals(300, full.recent().size());
        int budget = 64 * 1024;
        RunState.Encoded enc = full.encoded(budget);
        System.out.printf(
                "RunState: 300 decisions of 24 layers, %,d bytes in all; cut to %,d bytes: %d kept%n",
                Messages.encode(full).length,
                enc.bytes().length,
                enc.state().recent().size());
        assertTrue(enc.bytes().length <= budget, enc.bytes().length + " bytes");
        assertTrue(enc.bytes().length > budget - 2000, "not cut more than needed: " + enc.bytes().length);
        assertArrayEquals(enc.bytes(), Messages.encode(enc.state()));
        RunState kept = enc.state();
        assertEquals(300, kept.decisions(), "the count of all decisions stays");
        assertEquals(3000, kept.lastStep());
        assertEquals(full.layers(), kept.layers());
        int n = kept.recent().size();
        assertEquals(3000, kept.recent().get(n - 1).step(), "the newest kept");
        assertEquals(10L * (300 - n + 1), kept.oldestKept(), "a contiguous tail");

        RunState back = RunState.decode(enc.bytes());
        assertEquals(
                List.copyOf(kept.layers().keySet()), List.copyOf(back.layers().keySet()), "layer order");
        for (int i = 300 - n; i < 300; i++) {
            RankDecision d = published.get(i);
            assertEquals(d, back.decisionAt(d.step()), "decision of step " + d.step());
            assertArrayEquals(Messages.encode(d), Messages.encode(back.decisionAt(d.step())));
        }
        assertNull(back.decisionAt(published.get(300 - n - 1).step()), "cut off");
        assertEquals(published.subList(300 - n, 300), back.recentDecisions());

        // a budget below one entry keeps the last decision anyway
        RunState one = full.encoded(1024).state();
        assertEquals(1, one.recent().size());
        assertEquals(published.get(299), one.decisionAt(3000));
    }

    @Test
    void anEntryIsCompactAndAPolicyOrParamsOtherThanTheRunsAreKept() throws Exception {
        List<RunState> states = new ArrayList<>();
        run("c", 1, states);
        RunState s = states.get(0);
        String json = new String(Messages.encode(s.recent().get(0)), StandardCharsets.UTF_8);
        assertTrue(
                json.contains("\"policy\":null") && !json.contains("h.0.mlp.fc1"),
                "names and run policy not repeated: " + json);

        int[] r = new int[NAMES.size()];
        java.util.Arrays.fill(r, 2);
        var rep = Spectra.report("c", 20, NAMES, r, 256, 32, 256, 30);
        var energy = new io.inrank.protocol.SpectrumReport(1, "c", 20, rep.layers(), "energy", Map.of("alpha", 0.8));
        Decider.Outcome o = Decider.decide(energy, s);
        RunState back = RunState.decode(Messages.encode(o.state()));
        assertEquals("explained-variance", back.policy(), "the run's policy is its first report's");
        assertEquals(o.decision(), back.decisionAt(20));
        assertEquals("energy", back.decisionAt(20).policy());
        assertEquals(0.8, back.decisionAt(20).policyParams().get("alpha"));
    }

    @Test
    void versionOneRecordsAreConvertedAndNewerOnesRefused() throws Exception {
        List<RunState> states = new ArrayList<>();
        List<RankDecision> published = run("old", 40, states);
        RunState s = states.get(0);
        Map<String, Object> v1 = new LinkedHashMap<>();
        v1.put("version", 1);
        v1.put("run", "old");
        v1.put("policy", s.policy());
        v1.put("params", s.params());
        v1.put("layers", s.layers());
        v1.put("lastStep", s.lastStep());
        v1.put("history", published);
        RunState back = RunState.decode(Messages.encode(v1));
        assertEquals(RunState.VERSION, back.version());
        assertEquals(40, back.decisions());
        assertEquals(400, back.lastStep());
        assertEquals(s.layers(), back.layers());
        assertEquals(published, back.recentDecisions(), "every old decision answers its repeat");
        RunState cut = back.encoded(8 * 1024).state();
        assertTrue(cut.recent().size() < 40 && cut.decisionAt(400).equals(published.get(39)));

        Map<String, Object> v9 = new LinkedHashMap<>(v1);
        v9.put("version", 9);
        MalformedRecordException e =
                assertThrows(MalformedRecordException.class, () -> RunState.decode(Messages.encode(v9)));
        assertTrue(e.getMessage().contains("version 9"), e.getMessage());
        assertThrows(MalformedRecordException.class, () -> RunState.decode("{}".getBytes(StandardCharsets.UTF_8)));
    }
}
