package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The user's first commands, as a user runs them: {@code ./inrank demo} (here with 40 training steps; the default is 200)
 * and {@code --help} of every subcommand, through the launcher script. Lives in the cli module, built after every
 * service it starts.
 */
class InrankScriptIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    record Run(int exit, String out) {}

    static Run inrank(Map<String, String> env, String... args) throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of("bash", ROOT.resolve("inrank").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("INRANK_NO_BUILD", "1"); // the build under test is already packaged
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out);
    }

    @Test
    void demoRunsThePipelineAndShowsRanksGrowingAndTheLossFalling() throws Exception {
        Run r = inrank(Map.of("DEMO_STEPS", "40"), "demo");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("broker ready on localhost:"), r.out());
        assertTrue(
                r.out()
                        .contains(
                                "{\"split\":\"sotu/train\",\"status\":\"ingested\",\"blocks\":14648,\"tokens\":1874962"),
                r.out());
        assertTrue(r.out().contains("--- inrank.tokens.sotu.train block 0 (key 0, 129 ids"), r.out());
        assertTrue(r.out().contains(" = 1790 George Washington = \nFellow-Citizens of the Senate"), r.out());
        assertTrue(r.out().contains("step 10/40 | loss"), r.out());
        assertTrue(r.out().contains("step 30: rank decision"), r.out());
        assertTrue(r.out().contains("step 40: eval validation: loss"), r.out());
        assertTrue(r.out().contains("checkpoints: step-000000040"), r.out());
        assertTrue(r.out().contains("run demo done: step 40"), r.out());
        assertTrue(r.out().contains("GET /info: {\"model_id\":\"demo\",\"run\":\"demo\",\"step\":40"), r.out());
        assertTrue(r.out().contains("-> {\"generated_text\":"), r.out());

        // the demo's checkpoint serves on the command line
        Run g = inrank(Map.of(), "generate", "The Congress", "--max-new-tokens", "5", "--seed", "3");
        assertEquals(0, g.exit(), g.out());
        assertTrue(g.out().contains("[demo step 40, ranks"), g.out());
        assertTrue(g.out().contains("[5 tokens,"), g.out());
    }

    @Test
    void everySubcommandHasHelp() throws Exception {
        for (String[] c : List.of(
                new String[] {"--help"},
                new String[] {"demo", "--help"},
                new String[] {"kafka", "--help"},
                new String[] {"ingest", "--help"},
                new String[] {"bench", "--help"},
                new String[] {"bench", "ingest", "--help"},
                new String[] {"rank-controller", "--help"},
                new String[] {"train", "--help"},
                new String[] {"bench", "trainer", "--help"},
                new String[] {"bench", "serve", "--help"},
                new String[] {"bench", "rank-controller", "--help"},
                new String[] {"bench", "train", "--help"},
                new String[] {"backends", "--help"},
                new String[] {"serve", "--help"},
                new String[] {"generate", "--help"})) {
            Run r = inrank(Map.of(), c);
            assertEquals(0, r.exit(), String.join(" ", c) + ": " + r.out());
            assertTrue(r.out().toLowerCase().contains("usage"), String.join(" ", c) + ": " + r.out());
        }
        Run bad = inrank(Map.of(), "nonsense");
        assertEquals(2, bad.exit());
        assertTrue(bad.out().contains("error: Unmatched argument at index 0: 'nonsense'"), bad.out());
        Run badFlag = inrank(Map.of(), "train", "--bootstrap", "localhost:1", "--stpes", "10");
        assertEquals(2, badFlag.exit(), badFlag.out());
        assertTrue(badFlag.out().contains("unknown flag --stpes"), badFlag.out());
    }
}
