package io.inrank.controller.state;

import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the controller knows about one training run; the value of {@code inrank.rank-state} (compacted, key = run id),
 * so a restarted controller rebuilds it. It holds the current ranks and last step plus a bounded window of recent
 * decisions (the idempotency window): a repeated (run, step) inside the window gets its stored decision again. The
 * window is cut to a byte budget when the state is written ({@link #encoded}), so the record stays well under Kafka's
 * 1 MiB limit however long the run. Every decision ever made is also on {@code inrank.rank-decisions}.
 *
 * @param version   {@link #VERSION}; version 1 records (the whole history as decisions) are converted on reading
 * @param policy    the policy of the run's first report
 * @param params    the policy parameters of the run's first report (alpha)
 * @param layers    the current state of every layer, in the run's layer order (that of its first report): the layer
 *                  set is fixed by the first report
 * @param lastStep  the newest decided step, -1 before the first
 * @param decisions how many decisions the run has had in all
 * @param recent    the idempotency window, oldest first; the last decision is always kept
 */
public record RunState(
        int version,
        String run,
        String policy,
        Map<String, Double> params,
        Map<String, LayerState> layers,
        long lastStep,
        long decisions,
        List<Recent> recent) {

    public static final int VERSION = 2;

    public RunState {
        layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
        recent = List.copyOf(recent);
    }

    /** Current state of one layer. */
    public record LayerState(int rank, int buffer, int maxRank, double lastRatio) {}

    /**
     * One decision of the window, compactly: previous rank, new rank and ratio of every layer in the run's layer order.
     * {@code policy} and {@code params} are null when they are the run's ({@link RunState#policy}, {@link
     * RunState#params}); {@code decidedAt} is kept as published, so the rebuilt decision equals the first one.
     */
    public record Recent(
            long step,
            int[] previous,
            int[] ranks,
            double[] ratios,
            String decidedAt,
            String policy,
            Map<String, Double> params) {}

    /** A state and its encoding, cut to a byte budget. */
    public record Encoded(RunState state, byte[] bytes) {}

    public static RunState fresh(String run, String policy, Map<String, Double> params) {
        return new RunState(VERSION, run, policy, Map.copyOf(params), new LinkedHashMap<>(), -1, 0, List.of());
    }

    /** The oldest step still in the window, or -1 when it is empty. */
    public long oldestKept() {
        return recent.isEmpty() ? -1 : recent.get(0).step();
    }

    /** The stored decision of {@code step}, rebuilt exactly as it was published; null when not in the window. */
    public RankDecision decisionAt(long step) {
        // newest first: a repeat is almost always of the last step
        for (int i = recent.size() - 1; i >= 0; i--) {
            Recent e = recent.get(i);
            if (e.step() == step) return rebuild(e);
            if (e.step() < step) return null;
        }
        return null;
    }

    /** The window's decisions, oldest first. */
    public List<RankDecision> recentDecisions() {
        List<RankDecision> out = new ArrayList<>(recent.size());
        for (Recent e : recent) out.add(rebuild(e));
        return out;
    }

    private RankDecision rebuild(Recent e) {
        List<String> names = List.copyOf(layers.keySet());
        List<RankDecision.LayerDecision> ls = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++)
            ls.add(new RankDecision.LayerDecision(names.get(i), e.previous()[i], e.ranks()[i], e.ratios()[i]));
        return new RankDecision(
                RankDecision.VERSION,
                run,
                e.step(),
                ls,
                e.policy() != null ? e.policy() : policy,
                e.params() != null ? e.params() : params,
                e.decidedAt());
    }

    /**
     * This state after decision {@code d}, whose layers must be {@code newLayers}' in the same order. The window grows
     * by one entry here; {@link #encoded} cuts it to the byte budget.
     */
    public RunState with(RankDecision d, Map<String, LayerState> newLayers) {
        List<Recent> window = new ArrayList<>(recent.size() + 1);
        window.addAll(recent);
        window.add(entry(d, List.copyOf(newLayers.keySet())));
        return new RunState(
                version, run, policy, params, newLayers, Math.max(lastStep, d.step()), decisions + 1, window);
    }

    /** The window entry of {@code d}, whose layers must be {@code names} in this order. */
    private Recent entry(RankDecision d, List<String> names) {
        if (d.layers().size() != names.size())
            throw new IllegalArgumentException(
                    "decision of step " + d.step() + " has " + d.layers().size() + " layers, the run " + names.size());
        int n = names.size();
        int[] previous = new int[n], ranks = new int[n];
        double[] ratios = new double[n];
        for (int i = 0; i < n; i++) {
            RankDecision.LayerDecision l = d.layers().get(i);
            if (!l.name().equals(names.get(i)))
                throw new IllegalArgumentException(
                        "decision of step " + d.step() + ": layer " + i + " is " + l.name() + ", not " + names.get(i));
            previous[i] = l.previousRank();
            ranks[i] = l.newRank();
            ratios[i] = l.ratio();
        }
        return new Recent(
                d.step(),
                previous,
                ranks,
                ratios,
                d.decidedAt(),
                d.policy().equals(policy) ? null : d.policy(),
                d.policyParams().equals(params) ? null : d.policyParams());
    }

    /**
     * The encoding of this state with its window cut to at most {@code maxBytes} in all: the oldest entries go first,
     * the last decision always stays (so only a state whose layers alone are near the budget can exceed it).
     */
    public Encoded encoded(int maxBytes) {
        byte[] bytes = Messages.encode(this);
        RunState s = this;
        while (bytes.length > maxBytes && s.recent.size() > 1) {
            // entries are joined by commas: dropping the first k frees their own bytes plus k separators
            long over = bytes.length - (long) maxBytes, freed = 0;
            int drop = 0;
            while (freed < over && drop < s.recent.size() - 1)
                freed += Messages.encode(s.recent.get(drop++)).length + 1;
            s = new RunState(
                    s.version,
                    s.run,
                    s.policy,
                    s.params,
                    s.layers,
                    s.lastStep,
                    s.decisions,
                    s.recent.subList(drop, s.recent.size()));
            bytes = Messages.encode(s);
        }
        return new Encoded(s, bytes);
    }

    /** The shape of version 1 records: every decision of the run in {@code history}. */
    record V1(
            int version,
            String run,
            String policy,
            Map<String, Double> params,
            Map<String, LayerState> layers,
            long lastStep,
            List<RankDecision> history) {}

    record Versioned(int version) {}

    /**
     * Reads a state record of any version this code knows. A version 1 record becomes a version 2 state whose window
     * holds its decisions (those with exactly the run's layers, in its order; others are left out, and a repeat of
     * their step is refused); cut it to the budget with {@link #encoded}.
     *
     * @throws MalformedRecordException when the record is unreadable or of a newer version
     */
    public static RunState decode(byte[] bytes) {
        int version = Messages.decode(bytes, Versioned.class).version();
        if (version == VERSION) return Messages.decode(bytes, RunState.class);
        if (version != 1)
            throw new MalformedRecordException("RunState: version " + version
                    + " is not known here (this controller reads 1 and " + VERSION + ")");
        V1 old = Messages.decode(bytes, V1.class);
        if (old.run() == null || old.policy() == null || old.layers() == null)
            throw new MalformedRecordException("RunState: version 1 record without run, policy or layers");
        List<RankDecision> history = old.history() == null ? List.of() : old.history();
        RunState s = new RunState(
                VERSION,
                old.run(),
                old.policy(),
                old.params() == null ? Map.of() : old.params(),
                old.layers(),
                old.lastStep(),
                history.size(),
                List.of());
        List<String> names = List.copyOf(s.layers.keySet());
        List<Recent> window = new ArrayList<>();
        for (RankDecision d : history) {
            if (d.layers().stream()
                    .map(RankDecision.LayerDecision::name)
                    .toList()
                    .equals(names)) window.add(s.entry(d, names));
        }
        return new RunState(VERSION, s.run, s.policy, s.params, s.layers, s.lastStep, s.decisions, window);
    }
}
