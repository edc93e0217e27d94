package io.inrank.ingest.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.ingest.Fixtures;
import io.inrank.kafka.KafkaLocal;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The command line through Quarkus: exit codes and messages. One broker for all launches (a Quarkus test resource
 * would be restarted with every launch, and the re-run must see the first run's manifests).
 */
@QuarkusMainTest
class IngestCommandTest {

    static KafkaLocal kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaLocal.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static String[] args(String... a) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 2);
        out[a.length] = "--bootstrap";
        out[a.length + 1] = kafka.bootstrapServers();
        return out;
    }

    @Test
    void ingestsShowsAndRerunsAsANoOp(QuarkusMainLauncher launcher) throws Exception {
        Path dir = Files.createTempDirectory("cli");
        Fixtures.writeDir(dir, Fixtures.splits(3));
        LaunchResult r =
                launcher.launch(args("ingest", "--source", dir.toString(), "--dataset", "cli", "--block-length", "64"));
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        assertTrue(r.getOutput().contains("\"split\":\"cli/train\",\"status\":\"ingested\""), r.getOutput());

        LaunchResult again =
                launcher.launch(args("ingest", "--source", dir.toString(), "--dataset", "cli", "--block-length", "64"));
        assertEquals(0, again.exitCode());
        assertTrue(again.getOutput().contains("\"split\":\"cli/test\",\"status\":\"unchanged\""), again.getOutput());

        LaunchResult show = launcher.launch(args("show", "--dataset", "cli", "--split", "validation", "--block", "1"));
        assertEquals(0, show.exitCode(), show.getErrorOutput());
        assertTrue(show.getOutput().contains("\"done\" : true"), show.getOutput());
        assertTrue(show.getOutput().contains("--- inrank.tokens.cli.validation block 1"), show.getOutput());
    }

    @Test
    void badInputExitsWithOneAndAMessage(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult r = launcher.launch(args("ingest", "--source", "/definitely/not/here", "--dataset", "x"));
        assertEquals(1, r.exitCode());
        assertTrue(
                r.getErrorOutput().contains("error: /definitely/not/here: no such file or directory"),
                r.getErrorOutput());

        Path bin = Files.createTempFile("blob", ".txt");
        Files.write(bin, new byte[] {'a', '\n', 'b', 0, 1, 2, '\n'});
        LaunchResult b = launcher.launch(args("ingest", "--source", bin.toString(), "--dataset", "blob"));
        assertEquals(1, b.exitCode());
        assertTrue(b.getErrorOutput().contains(bin + " line 2: NUL byte at column 2"), b.getErrorOutput());
    }

    @Test
    void usageErrorsExitWithTwo(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("ingest", "--block-length", "lots");
        assertEquals(2, r.exitCode());
        assertTrue(r.getErrorOutput().contains("--block-length"), r.getErrorOutput());
        // a misspelt security setting is refused, not dropped (the connection would silently stay plaintext)
        LaunchResult typo = launcher.launch(
                "ingest", "--source", "sotu", "--dataset", "typo", "--kafka-property", "security.protocoll=SSL");
        assertEquals(2, typo.exitCode(), typo.getErrorOutput());
        assertTrue(
                typo.getErrorOutput().contains("unknown Kafka client property security.protocoll"),
                typo.getErrorOutput());
    }
}
