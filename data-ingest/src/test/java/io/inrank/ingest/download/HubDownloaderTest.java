package io.inrank.ingest.download;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import io.inrank.ingest.Fixtures;
import io.inrank.ingest.source.BadInputException;
import io.inrank.ingest.source.CorpusSource;
import io.inrank.ingest.source.Hashing;
import io.inrank.ingest.source.SourceLayoutsTest;
import io.inrank.ingest.source.Sources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --download against a real HTTP server on loopback that speaks the hub's tree and resolve endpoints. */
class HubDownloaderTest {

    @TempDir
    Path tmp;

    HttpServer server;
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final Map<String, String> advertisedSha = new ConcurrentHashMap<>();
    final AtomicInteger downloads = new AtomicInteger();
    String endpoint;

    @BeforeEach
    void serve() throws IOException {
        Path pq =
                Fixtures.writeParquet(tmp.resolve("src"), Fixtures.splits(5), 2).resolve("wikitext-103-raw-v1");
        try (var s = Files.list(pq)) {
            for (Path f : s.sorted().toList()) {
                byte[] b = Files.readAllBytes(f);
                files.put("wikitext-103-raw-v1/" + f.getFileName(), b);
                advertisedSha.put("wikitext-103-raw-v1/" + f.getFileName(), Hashing.sha256(f));
            }
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/datasets/Salesforce/wikitext/tree/main/wikitext-103-raw-v1", ex -> {
            List<String> entries = new ArrayList<>();
            entries.add("{\"type\":\"file\",\"path\":\"wikitext-103-raw-v1/README.md\",\"size\":3}");
            files.forEach((p, b) -> entries.add("{\"type\":\"file\",\"path\":\"" + p + "\",\"size\":" + b.length
                    + ",\"lfs\":{\"oid\":\"" + advertisedSha.get(p) + "\",\"size\":" + b.length + "}}"));
            byte[] body = ("[" + String.join(",", entries) + "]").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/datasets/Salesforce/wikitext/resolve/main/", ex -> {
            String p = ex.getRequestURI().getPath().substring("/datasets/Salesforce/wikitext/resolve/main/".length());
            byte[] b = files.get(p);
            downloads.incrementAndGet();
            if (b == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        server.start();
        endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void downloadsVerifiesAndReadsAsAParquetCorpus() throws IOException {
        HubDownloader d = new HubDownloader(endpoint);
        Path dir = d.download("Salesforce/wikitext", "main", "wikitext-103-raw-v1", tmp.resolve("cache"), null);
        assertEquals(4, downloads.get(), "2 train shards + validation + test; README ignored");
        CorpusSource c = Sources.open(dir.toString(), tmp);
        assertEquals(Fixtures.hfRows(Fixtures.splits(5).get("test")), SourceLayoutsTest.rows(c, "test"));
        // second run: everything present and verified, nothing fetched again
        d.download("Salesforce/wikitext", "main", "wikitext-103-raw-v1", tmp.resolve("cache"), null);
        assertEquals(4, downloads.get());
    }

    @Test
    void checksumMismatchIsRefusedAndNothingIsLeftBehind() {
        String victim = files.keySet().stream()
                .filter(p -> p.contains("test-"))
                .findFirst()
                .orElseThrow();
        advertisedSha.put(victim, "0".repeat(64));
        var e = assertThrows(
                BadInputException.class,
                () -> new HubDownloader(endpoint)
                        .download("Salesforce/wikitext", "main", "wikitext-103-raw-v1", tmp.resolve("cache"), null));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(victim), e.getMessage());
        Path name = tmp.resolve("cache/wikitext-103-raw-v1").resolve(victim.substring(victim.indexOf('/') + 1));
        assertFalse(Files.exists(name));
        assertFalse(Files.exists(name.resolveSibling(name.getFileName() + ".part")));
    }

    @Test
    void unknownConfigIsA404WithAHint() {
        var e = assertThrows(
                BadInputException.class,
                () -> new HubDownloader(endpoint)
                        .download("Salesforce/wikitext", "main", "wikitext-7-raw", tmp.resolve("cache"), null));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
    }

    @Test
    void offlineFailsClearly() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + closedPort;
        var e = assertThrows(
                BadInputException.class,
                () -> new HubDownloader(dead)
                        .download("Salesforce/wikitext", "main", "wikitext-103-raw-v1", tmp.resolve("cache"), null));
        assertTrue(e.getMessage().startsWith("cannot reach " + dead), e.getMessage());
        assertTrue(e.getMessage().contains("offline"), e.getMessage());
    }
}
