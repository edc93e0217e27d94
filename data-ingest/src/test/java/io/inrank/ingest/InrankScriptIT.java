package io.inrank.ingest;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The user's first commands, as a user runs them: {@code ./inrank demo} and {@code --help} of every subcommand. */
class InrankScriptIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    record Run(int exit, String out) {}

    static Run inrank(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("inrank").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("INRANK_NO_BUILD", "1"); // the build under test is already packaged
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out);
    }

    @Test
    void demoIngestsTheDefaultCorpusAndDecodesABlock() throws Exception {
        Run r = inrank("demo");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("broker ready on localhost:"), r.out());
        assertTrue(r.out().contains("{\"split\":\"sotu/train\",\"status\":\"ingested\",\"blocks\":1831,\"tokens\":1874962"), r.out());
        assertTrue(r.out().contains("\"topic\" : \"inrank.tokens.sotu.validation\""), r.out());
        assertTrue(r.out().contains("\"done\" : true"), r.out());
        assertTrue(r.out().contains("--- inrank.tokens.sotu.train block 0 (key 0, 1025 ids"), r.out());
        assertTrue(r.out().contains(" = 1790 George Washington = \nFellow-Citizens of the Senate"), r.out());
    }

    @Test
    void everySubcommandHasHelp() throws Exception {
        for (String[] c : List.of(new String[]{"--help"}, new String[]{"demo", "--help"}, new String[]{"kafka", "--help"},
                new String[]{"ingest", "--help"}, new String[]{"bench", "--help"}, new String[]{"bench", "ingest", "--help"},
                new String[]{"rank-controller", "--help"})) {
            Run r = inrank(c);
            assertEquals(0, r.exit(), String.join(" ", c) + ": " + r.out());
            assertTrue(r.out().toLowerCase().contains("usage"), String.join(" ", c) + ": " + r.out());
        }
        Run bad = inrank("train");
        assertEquals(2, bad.exit());
        assertTrue(bad.out().contains("unknown command 'train'"), bad.out());
    }
}
