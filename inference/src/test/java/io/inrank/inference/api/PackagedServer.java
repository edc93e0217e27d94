package io.inrank.inference.api;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inrank.inference.TinyCheckpoint;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged server (target/quarkus-app) in its own JVM on a tiny checkpoint, as the integration tests call it. */
final class PackagedServer implements AutoCloseable {
    final String url;
    final Path log;
    private final Process process;

    private PackagedServer(String url, Path log, Process process) {
        this.url = url;
        this.log = log;
        this.process = process;
    }

    static PackagedServer start() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.exists(jar), jar + " is missing: run the integration tests after package (./mvnw verify)");
        Path ckpt = TinyCheckpoint.write(Files.createTempDirectory("inrank-packaged"), "served", 5);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String flags = System.getProperty("inrank.jvm.child", "");
        if (!flags.isBlank()) cmd.addAll(List.of(flags.trim().split("\\s+")));
        cmd.addAll(List.of(
                "-Xmx1g", "-Dinrank.serve.checkpoint=" + ckpt, "-Dquarkus.http.port=" + port, "-jar", jar.toString()));
        Path log = Files.createTempFile("inrank-packaged", ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        PackagedServer s = new PackagedServer("http://localhost:" + port, log, p);
        try {
            s.awaitReady();
        } catch (Throwable t) {
            s.close();
            throw t;
        }
        return s;
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 600; i++) {
            assertTrue(process.isAlive(), "the server exited:\n" + Files.readString(log));
            try {
                var r = http.send(
                        HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return;
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        fail("the server did not become ready:\n" + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
