package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inrank experiment} for real on a tiny budget: two arms through the local pipeline, results.md with a row per
 * arm and the plots; the same command again finds both runs done and only rewrites the report (resumability).
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
            "full,efficient",
            "--stage1-steps",
            "4",
            "--rank-warmup",
            "2",
            "--rank-gap",
            "2",
            "--eval-batches",
            "1");

    @Test
    void twoArmsGiveATableAndPlotsAndARerunResumes() throws Exception {
        Path out = tmp.resolve("exp");
        String[] args = java.util.stream.Stream.concat(
                        ARGS.stream(), java.util.stream.Stream.of("--out", out.toString()))
                .toArray(String[]::new);
        assertEquals(0, Inrank.commandLine().execute(args));
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| full | 1 |") && md.contains("| efficient | 1 |"), md);
        assertTrue(md.contains("of d_model"), md);
        for (String png :
                List.of("loss-vs-tokens.png", "val-ppl-vs-tokens.png", "ranks-vs-step.png", "ppl-vs-mlp-params.png"))
            assertTrue(Files.size(out.resolve(png)) > 5000, png);
        long before =
                Files.getLastModifiedTime(out.resolve("runs/full-s1.json")).toMillis();
        assertEquals(0, Inrank.commandLine().execute(args), "a rerun of a finished experiment");
        assertEquals(
                before,
                Files.getLastModifiedTime(out.resolve("runs/full-s1.json")).toMillis(),
                "not trained again");
        assertEquals(2, Inrank.commandLine().execute("experiment", "--arms", "fixed", "--out", out.toString()));
    }
}
