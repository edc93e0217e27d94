package io.inrank.cli.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A stand-in trainer replica for {@link LocalReplicasTest} (a real process, no model): {@code DIR PLAN --world-size N
 * --replica I}. PLAN lists, per start of the group, the exit code of each replica ("0,3;0,0": at the first start replica
 * 1 fails with 3, at the second both finish). Each start is counted in DIR/replica-I.starts; a replica whose code is 0
 * waits a moment for the others first, as a trainer would.
 */
public final class FakeReplica {
    private FakeReplica() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Path.of(args[0]);
        String[] starts = args[1].split(";");
        List<String> rest = List.of(args).subList(2, args.length);
        int replica = Integer.parseInt(rest.get(rest.indexOf("--replica") + 1));
        Path counter = dir.resolve("replica-" + replica + ".starts");
        int start = Files.exists(counter) ? Files.readAllLines(counter).size() : 0;
        Files.writeString(
                counter, "start\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        int code = Integer.parseInt(starts[Math.min(start, starts.length - 1)].split(",")[replica]);
        if (code == 0) Thread.sleep(1500); // the failing replica goes first: its group is stopped around it
        System.out.println("{\"replica\":" + replica + ",\"start\":" + start + "}");
        System.exit(code);
    }
}
