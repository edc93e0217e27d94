package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands that start other processes, for real: a broker in this JVM, the packaged services as children. */
class CommandsIT {
    @TempDir
    Path tmp;

    @Test
    void trainWithoutABrokerStartsOneIngestsTheBuiltInCorpusAndTrains() throws Exception {
        Path ckpt = tmp.resolve("checkpoints");
        int code = Inrank.commandLine()
                .execute(
                        "train",
                        "--run",
                        "cli-it",
                        "--preset",
                        "tiny",
                        "--mode",
                        "efficient-no-resize",
                        "--seq",
                        "32",
                        "--batch",
                        "2",
                        "--steps",
                        "3",
                        "--warmup-steps",
                        "0",
                        "--rank-warmup",
                        "100",
                        "--eval-every",
                        "0",
                        "--eval-batches",
                        "1",
                        "--checkpoint-every",
                        "0",
                        "--log-every",
                        "1",
                        "--checkpoint-dir",
                        ckpt.toString(),
                        "--port",
                        "0");
        assertEquals(0, code, "train exit code");
        List<String> steps = Files.readAllLines(ckpt.resolve("cli-it/steps.jsonl")).stream()
                .filter(l -> !l.contains("\"eval\""))
                .toList();
        assertEquals(3, steps.size(), steps.toString());
        assertTrue(Files.isDirectory(ckpt.resolve("cli-it/step-000000003")), "final checkpoint");
    }

    @Test
    void passThroughCommandsShowTheServicesOwnHelp() {
        assertEquals(0, Inrank.commandLine().execute("ingest", "--help"));
        assertEquals(0, Inrank.commandLine().execute("train", "--help"));
    }

    @Test
    void aMissingCheckpointIsBadInputNamingIt() {
        assertEquals(
                1,
                Inrank.commandLine()
                        .execute(
                                "generate",
                                "The",
                                "--checkpoint",
                                tmp.resolve("no-such-run").toString()));
    }

    @Test
    void aTrainerSettingTypoFailsBeforeABrokerIsStarted() {
        // without --bootstrap the CLI would start a broker and ingest; the trainer's --dry-run refuses first
        assertEquals(2, Inrank.commandLine().execute("train", "--stpes", "10"));
        assertEquals(0, Inrank.commandLine().execute("train", "--dry-run", "--steps", "7", "--mode", "efficient"));
        assertEquals(2, Inrank.commandLine().execute("train", "--dry-run", "--steps", "0"));
    }

    @Test
    void aSettingTheTrainerRejectsIsAUsageErrorBeforeAnyBrokerStarts() {
        assertEquals(2, Inrank.commandLine().execute("train", "--bootstrap", "localhost:1", "--steps", "0"));
    }

    @Test
    void replicasOnABackendWithoutCollectivesAreRefusedInOneLineBeforeAnythingStarts() throws Exception {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        try {
            assertEquals(2, Inrank.commandLine().execute("train", "--world-size", "2", "--steps", "3"));
        } finally {
            System.setErr(old);
        }
        String text = err.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(
                "error: --world-size 2: nd4j has no collectives; data parallelism needs --backend cuda (NCCL). The CPU"
                        + " backends already use every core of one machine",
                text);
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "no broker, no ingest");
        assertEquals(2, Inrank.commandLine().execute("train", "--world-size", "3", "--batch", "8", "--dry-run"));
    }
}
