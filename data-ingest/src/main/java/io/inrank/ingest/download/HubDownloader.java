package io.inrank.ingest.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.ingest.source.BadInputException;
import io.inrank.ingest.source.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * {@code --download}: fetches a dataset config's parquet shards from the Hugging Face hub (what the user asked for, and
 * nothing else). The hub's tree API lists each file with its size and LFS sha256; every download is verified against
 * both and only then moved into place. Files already present with the right hash are not fetched again.
 *
 * <p>Endpoint: {@code --hub-url}, else the standard {@code HF_ENDPOINT} environment variable, else the public hub.
 * {@code HF_TOKEN}, when set, is sent as a bearer token.
 */
public final class HubDownloader {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    public static final String WIKITEXT_REPO = "Salesforce/wikitext";
    public static final String WIKITEXT_103_RAW = "wikitext-103-raw-v1";

    private final String endpoint;
    private final HttpClient http;
    private final String token;
    private final ObjectMapper json = new ObjectMapper();

    public HubDownloader(String endpoint) {
        String e = endpoint != null ? endpoint : System.getenv("HF_ENDPOINT");
        this.endpoint = (e == null || e.isBlank() ? DEFAULT_ENDPOINT : e).replaceAll("/+$", "");
        this.token = System.getenv("HF_TOKEN");
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** One file of the listing. */
    public record HubFile(String path, long size, String sha256) {}

    /**
     * Downloads {@code <repo>@<revision>/<config>/*.parquet} into {@code target/<config>/} and returns that directory.
     *
     * @param progress receives bytes downloaded so far (may be null)
     */
    public Path download(String repo, String revision, String config, Path target, LongConsumer progress)
            throws IOException {
        List<HubFile> files = list(repo, revision, config);
        if (files.isEmpty())
            throw new BadInputException(endpoint + ": dataset " + repo + " has no parquet files under " + config + "/");
        Path dir = target.resolve(config);
        Files.createDirectories(dir);
        long done = 0;
        for (HubFile f : files) {
            Path out = dir.resolve(f.path().substring(f.path().indexOf('/') + 1));
            Files.createDirectories(out.getParent());
            if (Files.isRegularFile(out)
                    && Files.size(out) == f.size()
                    && Hashing.sha256(out).equals(f.sha256())) {
                done += f.size();
                continue;
            }
            fetch(repo, revision, f, out);
            done += f.size();
            if (progress != null) progress.accept(done);
        }
        return dir;
    }

    /** The parquet files of a config with their sizes and sha256, from the hub's tree API. */
    public List<HubFile> list(String repo, String revision, String config) throws IOException {
        String url = endpoint + "/api/datasets/" + repo + "/tree/" + revision + "/" + config + "?recursive=true";
        HttpResponse<InputStream> r = send(url);
        if (r.statusCode() == 404) {
            throw new BadInputException(
                    url + ": not found (HTTP 404): check the dataset '" + repo + "' and config '" + config + "'");
        }
        if (r.statusCode() != 200) throw new BadInputException(url + ": HTTP " + r.statusCode());
        JsonNode arr;
        try (InputStream in = r.body()) {
            arr = json.readTree(in);
        }
        if (arr == null || !arr.isArray()) throw new BadInputException(url + ": unexpected answer (not a JSON list)");
        List<HubFile> files = new ArrayList<>();
        for (JsonNode n : arr) {
            String path = n.path("path").asText("");
            if (!"file".equals(n.path("type").asText()) || !path.endsWith(".parquet")) continue;
            JsonNode lfs = n.path("lfs");
            String sha = lfs.path("oid").asText(lfs.path("sha256").asText(""));
            long size = lfs.path("size").asLong(n.path("size").asLong(-1));
            if (sha.length() != 64)
                throw new BadInputException(
                        url + ": no sha256 listed for " + path + "; refusing an unverifiable download");
            files.add(new HubFile(path, size, sha));
        }
        files.sort((a, b) -> a.path().compareTo(b.path()));
        return files;
    }

    private void fetch(String repo, String revision, HubFile f, Path out) throws IOException {
        String url = endpoint + "/datasets/" + repo + "/resolve/" + revision + "/" + f.path();
        HttpResponse<InputStream> r = send(url);
        if (r.statusCode() != 200) throw new BadInputException(url + ": HTTP " + r.statusCode());
        Path part = out.resolveSibling(out.getFileName() + ".part");
        MessageDigest md = Hashing.sha256();
        long n = 0;
        try (InputStream in = r.body();
                OutputStream os = Files.newOutputStream(part)) {
            byte[] buf = new byte[1 << 16];
            for (int k; (k = in.read(buf)) > 0; ) {
                md.update(buf, 0, k);
                os.write(buf, 0, k);
                n += k;
            }
        }
        String sha = Hashing.hex(md.digest());
        if (n != f.size() || !sha.equals(f.sha256())) {
            Files.deleteIfExists(part);
            throw new BadInputException(url + ": checksum mismatch: got " + n + " bytes with sha256 " + sha
                    + ", expected " + f.size() + " bytes with sha256 " + f.sha256() + "; the file was discarded");
        }
        Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private HttpResponse<InputStream> send(String url) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMinutes(10))
                .GET();
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | UnknownHostException | HttpConnectTimeoutException e) {
            throw offline(e);
        } catch (IOException e) {
            if (e.getCause() instanceof UnknownHostException || e.getCause() instanceof ConnectException)
                throw offline(e);
            throw new BadInputException("download from " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private BadInputException offline(Exception e) {
        return new BadInputException(
                "cannot reach " + endpoint + " (" + e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + e.getMessage() : "")
                        + "). Are you offline? --download needs the "
                        + "Hugging Face hub; otherwise fetch the parquet files elsewhere and pass their directory with --source.",
                e);
    }
}
