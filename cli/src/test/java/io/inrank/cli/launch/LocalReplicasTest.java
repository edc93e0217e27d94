package io.inrank.cli.launch;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local replica group as `./inrank train --world-size N` runs it, with stand-in replicas (real processes): a group
 * whose replica fails starts again as a whole; a usage error is not retried; the restarts are bounded.
 */
class LocalReplicasTest {
    @TempDir
    Path tmp;

    int run(String plan, int maxRestarts) throws Exception {
        Layout layout = Layout.current();
        String cp = System.getProperty("java.class.path");
        return LocalReplicas.run(
                2,
                maxRestarts,
                List.of(),
                tmp.resolve("logs"),
                i -> JavaProcess.builder("fake-" + i, layout.jvm())
                        .main(cp, FakeReplica.class.getName())
                        .args(tmp.toString(), plan));
    }

    int starts(int replica) throws Exception {
        Path f = tmp.resolve("replica-" + replica + ".starts");
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    @Test
    void aFailedReplicaRestartsTheWholeGroupUntilItFinishes() throws Exception {
        assertEquals(0, run("0,3;3,0;0,0", 3));
        assertEquals(3, starts(0), "replica 0 started with each start of the group, though it never failed itself");
        assertEquals(3, starts(1));
        assertTrue(Files.readString(tmp.resolve("logs/replica-0.log")).contains("\"start\":2"));
    }

    @Test
    void aUsageErrorIsNotRetriedAndRestartsAreBounded() throws Exception {
        assertEquals(2, run("0,2;0,0", 3));
        assertEquals(1, starts(1), "exit 2 never gets better");
        Files.delete(tmp.resolve("replica-0.starts"));
        Files.delete(tmp.resolve("replica-1.starts"));
        assertEquals(3, run("0,3", 2));
        assertEquals(3, starts(1), "the first start and two restarts");
    }
}
