package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inrank experiment} for real on a tiny budget: five arms through the local pipeline (fixed at the efficient
 * arm's final ranks, fixed-4 at rank 4, cumulative growing its update), results.md with a row per arm and the plots;
 * the same command again finds the runs done and only rewrites the report (resumability); the rule on untrained
 * factors written beside the trained ranks.
 */
class ExperimentIT {
    @TempDir
    Path tmp;

    static final List<String> ARGS = List.of(
            "experiment",
            "--preset",
            "tiny",
            "--steps",
            "8",
            "--batch",
            "2",
            "--seq",
            "32",
            "--seeds",
            "1",
            "--arms",
            "full,cumulative,efficient,fixed,fixed-4",
            "--stage1-steps",
            "4",
            "--rank-warmup",
            "2",
            "--rank-gap",
            "2",
            "--eval-batches",
            "1");

    @Test
    void threeArmsGiveATableAndPlotsAndARerunResumes() throws Exception {
        Path out = tmp.resolve("exp");
        String[] args = java.util.stream.Stream.concat(
                        ARGS.stream(), java.util.stream.Stream.of("--out", out.toString()))
                .toArray(String[]::new);
        assertEquals(0, Inrank.commandLine().execute(args));
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| full | 1 |") && md.contains("| efficient | 1 |"), md);
        String efficientRanks = row(md, "efficient").split("\\|")[7],
                fixedRanks = row(md, "fixed").split("\\|")[7];
        assertTrue(efficientRanks.contains("["), md);
        assertEquals(efficientRanks, fixedRanks, "fixed trains at the efficient arm's final ranks");
        assertTrue(
                Files.readString(out.resolve("checkpoints/efficient-s1/steps.jsonl"))
                        .contains("\"ratios\":[0."),
                "rank checks log the explained ratio");
        assertTrue(md.contains("of d_model") && md.contains("speed vs full"), md);
        assertTrue(row(md, "fixed-4").contains("s1: [4, 4, 4, 4]"), md);
        assertTrue(
                row(md, "cumulative").contains("+ frozen W_0")
                        && row(md, "cumulative").contains("s1: ["),
                md);
        assertTrue(
                Files.readString(out.resolve("checkpoints/cumulative-s1/steps.jsonl"))
                        .contains("\"check\":\"rank\""),
                "the cumulative arm's ranks are checked");
        for (String png : List.of(
                "loss-vs-tokens.png",
                "val-ppl-vs-tokens.png",
                "ranks-vs-step.png",
                "explained-ratio-vs-step.png",
                "ppl-vs-mlp-params.png")) assertTrue(Files.size(out.resolve(png)) > 5000, png);
        long before =
                Files.getLastModifiedTime(out.resolve("runs/full-s1.json")).toMillis();
        assertEquals(0, Inrank.commandLine().execute(args), "a rerun of a finished experiment");
        assertEquals(
                before,
                Files.getLastModifiedTime(out.resolve("runs/full-s1.json")).toMillis(),
                "not trained again");
        assertEquals(2, Inrank.commandLine().execute("experiment", "--arms", "fixed", "--out", out.toString()));
        assertEquals(2, Inrank.commandLine().execute("experiment", "--arms", "inrank", "--out", out.toString()));
        Files.delete(out.resolve("results.md"));
        List<String> reportOnly = new java.util.ArrayList<>(List.of(args));
        reportOnly.add("--results-only");
        assertEquals(0, Inrank.commandLine().execute(reportOnly.toArray(String[]::new)));
        assertTrue(Files.readString(out.resolve("results.md")).contains("| cumulative | 1 |"), "report rewritten");

        assertEquals(
                0,
                Inrank.commandLine()
                        .execute(
                                "experiment",
                                "rule-at-init",
                                "--preset",
                                "tiny",
                                "--buffers",
                                "8,16",
                                "--gpt2-shapes",
                                "",
                                "--out",
                                out.toString()));
        String rule = Files.readString(out.resolve("rule-at-init.md"));
        assertTrue(rule.contains("| 16 | 0.125 | 0.9 |") && rule.contains("efficient-s1"), rule);
        assertTrue(Files.size(out.resolve("rule-at-init.png")) > 5000);
        assertEquals(
                2,
                Inrank.commandLine().execute("experiment", "--source", "notes.txt", "--out", out.toString()),
                "a corpus file needs a --dataset name");
    }

    private static String row(String md, String arm) {
        return md.lines()
                .filter(l -> l.startsWith("| " + arm + " |"))
                .findFirst()
                .orElseThrow();
    }
}
