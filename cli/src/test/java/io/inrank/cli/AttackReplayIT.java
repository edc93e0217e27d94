package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.cli.commands.TrainCommand;
import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.kafka.Secured;
import io.inrank.model.GptConfig;
import io.inrank.protocol.Access;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.PipelineService;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.RunKey;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every attack of the hostile-but-authorised probe (a valid API key, the shared {@code trainer} Kafka login, write
 * access to the checkpoint volume, and one run's own key), replayed on a secured broker against the real services, with
 * what it did before (as probed on the commit before the fixes) and what it does now. The victim run's decisions must
 * equal those of a control run nobody attacked; the server must keep serving the genuine model and take the genuine next
 * one; the controller's state must survive a restart; the victim's resume must skip a checkpoint with a missing
 * optimizer file.
 */
class AttackReplayIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String API_KEY = "sk-replay-" + UUID.randomUUID();

    @TempDir
    Path tmp;

    final Map<String, String> passwords = new LinkedHashMap<>();
    final List<String[]> table = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();
    String serve;

    void row(String attack, String before, String after) {
        table.add(new String[] {attack, before, after});
    }

    @Test
    void everyAttackIsRefusedAndTheGenuineRunsAreUnaffected() throws Exception {
        for (String service : Access.SERVICES.keySet())
            passwords.put(service, UUID.randomUUID().toString());
        String adminPassword = UUID.randomUUID().toString();
        Path master = tmp.resolve("run-key-master");
        byte[] m = new byte[32];
        new java.security.SecureRandom().nextBytes(m);
        Files.writeString(master, HexFormat.of().formatHex(m) + "\n");
        byte[] masterBytes = RunKey.master(Files.readString(master));
        RunKey attackerKey = RunKey.derive(masterBytes, "attacker");
        Path root = tmp.resolve("checkpoints");
        Layout layout = Layout.current();
        try (LocalStack stack = LocalStack.start(layout, tmp, b -> b.scram(adminPassword, passwords))) {
            KafkaClientConfig admin = SecuredPipelineIT.grantAll(stack, adminPassword);
            SecuredPipelineIT.ingest(stack, tmp, login("data-ingest"));
            Map<String, Object> controllerSettings = Map.of("inrank.controller.run-key-master-file", master.toString());
            JavaProcess controller = stack.startController(0, login("rank-controller"), controllerSettings);
            KafkaClientConfig attacker = SecuredPipelineIT.client(stack, "trainer", passwords.get("trainer"));

            // 1. the control run, unattacked
            assertEquals(
                    0,
                    trainer(layout, stack, "control", masterBytes, root, "16").waitFor(Duration.ofMinutes(5)));
            List<RankDecision> control = PipelineIT.read(admin, Topics.RANK_DECISIONS, RankDecision.class, "control");
            assertEquals(
                    List.of(8L, 12L, 16L),
                    control.stream().map(RankDecision::step).toList());

            // 2. forged reports for the victim before it starts: as probed, these pre-answered its steps (ranks
            // 2→17→32→47), froze it (step 10^15) or locked its layer set (a bogus first layer)
            GptConfig cfg = GptConfig.preset("tiny", GptConfig.Mode.INRANK);
            List<String> layers = control.get(0).layers().stream()
                    .map(RankDecision.LayerDecision::name)
                    .toList();
            long dlq0 = count(admin, Topics.DEAD_LETTER);
            try (KafkaProducer<byte[], byte[]> p = attacker.producer("attacker", Map.of())) {
                send(p, report("victim", List.of("h.99.mlp.bogus"), cfg, 4), null); // a bogus layer set, first
                send(p, report("victim", layers, cfg, 1_000_000_000_000_000L), null); // a far-future step
                for (long step : new long[] {8, 12, 16}) {
                    send(p, report("victim", layers, cfg, step), null); // unsigned
                    send(p, report("victim", layers, cfg, step), attackerKey); // signed with its own run's key
                }
            }
            awaitTrue(() -> count(admin, Topics.DEAD_LETTER) >= dlq0 + 8, "the 8 forged reports are dead-lettered");
            List<String> reportReasons = reasons(admin, Topics.SPECTRA, dlq0);

            // 3. the server follows the victim with its run's key; the API key is required
            JavaProcess.Builder sb = JavaProcess.builder("inference", layout.jvm())
                    .heap("1g")
                    .property("kafka.bootstrap.servers", stack.bootstrap())
                    .property("inrank.serve.run", "victim")
                    .property("inrank.serve.checkpoint-root", root)
                    .property(
                            "inrank.serve.run-key",
                            RunKey.derive(masterBytes, "victim").hex())
                    .property("inrank.serve.api-key", API_KEY)
                    .property("quarkus.http.port", 0);
            login("inference").forEach((k, v) -> sb.property("kafka." + k, v));
            JavaProcess inference = stack.own(
                    sb.jar(layout.app(PipelineService.INFERENCE).jar()).start(tmp.resolve("inference.log")));
            serve = "http://localhost:"
                    + inference
                            .awaitLine(PipelineIT.HTTP_PORT, Duration.ofSeconds(90))
                            .group(1);

            // 4. the victim trains under attack
            assertEquals(
                    0, trainer(layout, stack, "victim", masterBytes, root, "16").waitFor(Duration.ofMinutes(5)));
            List<RankDecision> victim = PipelineIT.read(admin, Topics.RANK_DECISIONS, RankDecision.class, "victim");
            assertEquals(ranks(control), ranks(victim), "the victim's decisions are an unattacked run's");
            row(
                    "reports for the victim: unsigned and signed with another run's key, steps 8/12/16",
                    "pre-answered its checks: ranks 2→17→32→47 instead of 2→15→25→32",
                    "dead-lettered (" + distinct(reportReasons) + "); victim's ranks = control's " + ranks(victim));
            row(
                    "a report for the victim at step 10^15",
                    "every genuine report 'goes backwards', ranks frozen at 2",
                    "dead-lettered; the victim's checks answered at 8, 12, 16");
            row(
                    "a first report with a bogus layer name",
                    "locked the victim's layer set",
                    "dead-lettered; the layer set is the victim's own first signed report's");
            inference.awaitLine(Pattern.compile("serving victim \\(step 16,"), Duration.ofSeconds(60));
            String genuine = generate(5);

            // 5. forged checkpoint events, as the trainer login with write access to the volume
            Path victimDir = root.resolve("victim");
            Path crafted = tmp.resolve("elsewhere/victim/step-000000900");
            copyTree(root.resolve("control/step-000000016"), crafted); // another model, complete and consistent
            Files.createSymbolicLink(victimDir.resolve("step-000000901"), crafted);
            Path fifo = Files.createDirectories(victimDir.resolve("step-000000020"));
            new ProcessBuilder("mkfifo", fifo.resolve("state.json").toString())
                    .start()
                    .waitFor();
            String stateSha = io.inrank.model.io.Checkpoint.sha256(crafted.resolve("state.json"));
            long refused0 = metric("inrank_inference_checkpoints_refused_total");
            // the first two as an attacker can sign them; the rest signed with the victim's own key (a stolen key, or a
            // trainer bug): the signature is not the only defence, the server's path, step and file checks refuse them
            RunKey victimKey = RunKey.derive(masterBytes, "victim");
            long events0 = count(admin, Topics.CHECKPOINTS);
            String outside = crafted.toUri().toString();
            try (KafkaProducer<byte[], byte[]> p = attacker.producer("attacker", Map.of())) {
                sendEvent(p, event("victim", 900, outside, stateSha), null);
                sendEvent(p, event("victim", 900, outside, stateSha), attackerKey);
                sendEvent(p, event("victim", 900, outside, stateSha), victimKey);
                sendEvent(
                        p,
                        event("victim", 900, "file://" + victimDir + "/../control/step-000000016", stateSha),
                        victimKey);
                sendEvent(
                        p,
                        event(
                                "victim",
                                901,
                                victimDir.resolve("step-000000901").toUri().toString(),
                                stateSha),
                        victimKey);
                String real = victimDir.resolve("step-000000016").toUri().toString();
                sendEvent(p, event("victim", 1_000_000_000_000_000L, real, stateSha), victimKey);
                sendEvent(
                        p,
                        event(
                                "control",
                                8,
                                root.resolve("control/step-000000008").toUri().toString(),
                                stateSha),
                        victimKey); // keyed victim, body names another run: the rollback
                sendEvent(p, event("victim", 20, fifo.toUri().toString(), "0".repeat(64)), victimKey);
            }
            awaitTrue(() -> metric("inrank_inference_checkpoints_refused_total") >= refused0 + 8, "8 events refused");
            JsonNode info = JSON.readTree(get("/info", true).body());
            assertEquals(16, info.get("step").asLong(), "the genuine model keeps serving");
            assertEquals(genuine, generate(5), "and answers as before");
            // the server's log names each refusal's reason, in the order the events were sent
            Map<Long, String> byOffset = new java.util.TreeMap<>();
            Pattern refusal = Pattern.compile("of the event at offset (\\d+) refused[^:]*: (.*)");
            for (String l : Files.readAllLines(inference.log())) {
                var mm = refusal.matcher(l);
                if (mm.find() && Long.parseLong(mm.group(1)) >= events0)
                    byOffset.put(Long.parseLong(mm.group(1)) - events0, mm.group(2));
            }
            List<String> why = byOffset.values().stream()
                    .map(l -> l.replace(tmp.toString(), "…"))
                    .map(l -> l.length() > 90 ? l.substring(0, 90) + "…" : l)
                    .toList();
            assertEquals(8, why.size(), String.join("\n", why));
            String[] events = {
                "event: a crafted model outside the root, unsigned",
                "event: the same, signed with the attacker's own run key",
                "event: the same, signed with the victim's key (stolen, or a bug)",
                "event (victim's key): a path with '..' into another run",
                "event (victim's key): a symlink in the run's directory pointing out",
                "event (victim's key): step 10^15 naming the run's real directory",
                "event (victim's key) whose body names another run",
                "event (victim's key): a FIFO as state.json"
            };
            String[] was = {
                "loaded and served",
                "loaded and served",
                "loaded and served",
                "loaded and served",
                "loaded and served",
                "pinned the server: later checkpoints ignored, a new pod never ready",
                "rolled the victim back",
                "hung the watcher thread"
            };
            for (int i = 0; i < events.length; i++) row(events[i], was[i], "refused: " + why.get(i));

            // 6. the victim's newest checkpoint loses its optimizer file; the run is extended to step 24
            Files.delete(victimDir.resolve("step-000000016/optimizer.safetensors"));
            JavaProcess resumed = trainer(layout, stack, "victim", masterBytes, root, "24");
            assertEquals(0, resumed.waitFor(Duration.ofMinutes(5)), SecuredPipelineIT.log(resumed));
            String resumeLine = Files.readAllLines(resumed.log()).stream()
                    .filter(l -> l.contains("resumed from step"))
                    .findFirst()
                    .orElse("(no resume line)");
            assertTrue(resumeLine.contains("resumed from step 8"), resumeLine);
            assertTrue(resumeLine.contains("step-000000016"), resumeLine);
            row(
                    "the newest checkpoint without its optimizer file",
                    "NullPointerException, exit 3, retried forever",
                    "resumed from step 8, skipping step-000000016 (and the FIFO's step-000000020), exit 0");
            inference.awaitLine(Pattern.compile("serving victim \\(step 24,"), Duration.ofSeconds(60));
            List<RankDecision> all = PipelineIT.read(admin, Topics.RANK_DECISIONS, RankDecision.class, "victim");
            assertEquals(
                    List.of(8L, 12L, 16L, 12L, 16L, 20L, 24L),
                    all.stream().map(RankDecision::step).toList(),
                    "the resumed run re-sent its checks from step 8");
            assertEquals(
                    ranks(all.subList(1, 3)), ranks(all.subList(3, 5)), "repeated checks get the stored decisions");

            // 7. requests, with a valid API key
            for (int i = 0; i < 12; i++)
                assertEquals(
                        422,
                        post("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":2147483647}}")
                                .statusCode());
            assertEquals(
                    200,
                    post("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":3}}")
                            .statusCode());
            assertEquals(200, get("/q/health/live", false).statusCode());
            row(
                    "max_new_tokens 2147483647, 12 times",
                    "9 wedged the server for good while /health said UP",
                    "422 each; the next request 200; liveness UP");
            String greedy = JSON.readTree(
                            post("/generate", "{\"inputs\":\"The\",\"parameters\":{\"max_new_tokens\":5}}")
                                    .body())
                    .get("generated_text")
                    .asText();
            HttpResponse<String> cold = post(
                    "/generate",
                    "{\"inputs\":\"The\",\"parameters\":{\"max_new_tokens\":5,\"do_sample\":true,\"temperature\":5e-324}}");
            assertEquals(
                    greedy, JSON.readTree(cold.body()).get("generated_text").asText());
            row("temperature 5e-324", "NaN logits: always token 0", "greedy (the temperature-0 text)");
            HttpResponse<String> rp =
                    post("/generate", "{\"inputs\":\"The\",\"parameters\":{\"repetition_penalty\":5e-324}}");
            assertEquals(422, rp.statusCode());
            row("repetition_penalty 5e-324", "NaN logits: always token 0", "422: " + error(rp));
            HttpResponse<String> typed =
                    post("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":\"10\"}}");
            assertEquals(422, typed.statusCode());
            HttpResponse<String> inputs = post("/generate", "{\"inputs\":123}");
            assertEquals(422, inputs.statusCode());
            row("\"max_new_tokens\": \"10\", 1.5; \"inputs\": 123", "coerced", "422: " + error(typed));
            assertEquals(401, get("/q/openapi", false).statusCode());
            row("GET /q/openapi without the key", "served", "401");
            HttpResponse<String> ready = get("/q/health/ready", false);
            assertFalse(ready.body().contains("sha256"), ready.body());

            // 8. the controller restarts: its state is what it was
            String controlUrl = "http://localhost:"
                    + controller
                            .awaitLine(PipelineIT.HTTP_PORT, Duration.ofSeconds(10))
                            .group(1);
            assertTrue(controller.isAlive(), "the controller runs: " + tail(controller));
            String before;
            try {
                before = plain(controlUrl + "/runs");
            } catch (java.net.ConnectException e) {
                throw new AssertionError(controlUrl + ": " + tail(controller), e);
            }
            controller.close();
            JavaProcess restarted = stack.startController(0, login("rank-controller"), controllerSettings);
            String after = plain("http://localhost:"
                    + restarted
                            .awaitLine(PipelineIT.HTTP_PORT, Duration.ofSeconds(10))
                            .group(1) + "/runs");
            assertEquals(JSON.readTree(before), JSON.readTree(after), "the state survives a restart");
            row(
                    "restart the controller",
                    "past 1 MiB of history the state write failed unchecked (616 of 800 known)",
                    "state restored as it was: " + after.replace('"', '\''));
            assertNotEquals(0, victim.size());
        } finally {
            System.out.println("attack replay (hostile but authorised; before = as probed on 76c28e5):");
            System.out.printf("| %-72s | %-62s | %s |%n", "attack", "before", "after");
            System.out.println("|" + "-".repeat(74) + "|" + "-".repeat(64) + "|---|");
            for (String[] r : table) System.out.printf("| %-72s | %-62s | %s |%n", r[0], r[1], r[2]);
        }
    }

    /** What the trainer sends: one layer spectrum per layer, flat (the rule grows such a layer as far as it can). */
    static SpectrumReport report(String run, List<String> layers, GptConfig c, long step) {
        List<SpectrumReport.LayerSpectrum> ls = new ArrayList<>();
        int n = Math.min(c.dim(), c.hidden());
        double[] flat = new double[n];
        Arrays.fill(flat, 1.0);
        for (String name : layers)
            ls.add(new SpectrumReport.LayerSpectrum(name, c.dim(), c.hidden(), 2, 8, c.maxRank(), flat));
        return new SpectrumReport(SpectrumReport.VERSION, run, step, ls, null, null);
    }

    static CheckpointEvent event(String run, long step, String uri, String sha) {
        return new CheckpointEvent(
                1,
                run,
                step,
                uri,
                sha,
                1,
                "tiny",
                "inrank",
                Map.of(),
                Map.of(),
                Instant.now().toString());
    }

    static void send(KafkaProducer<byte[], byte[]> p, SpectrumReport r, RunKey signer) throws Exception {
        ProducerRecord<byte[], byte[]> rec =
                new ProducerRecord<>(Topics.SPECTRA, r.run().getBytes(StandardCharsets.UTF_8), Messages.encode(r));
        if (signer != null) signer.signed(rec);
        p.send(rec).get();
    }

    static void sendEvent(KafkaProducer<byte[], byte[]> p, CheckpointEvent e, RunKey signer) throws Exception {
        ProducerRecord<byte[], byte[]> rec =
                new ProducerRecord<>(Topics.CHECKPOINTS, "victim".getBytes(StandardCharsets.UTF_8), Messages.encode(e));
        if (signer != null) signer.signed(rec);
        p.send(rec).get();
    }

    /** Per decision, the new rank of every layer. */
    static List<List<Integer>> ranks(List<RankDecision> ds) {
        return ds.stream()
                .map(d -> d.layers().stream()
                        .map(RankDecision.LayerDecision::newRank)
                        .toList())
                .toList();
    }

    static long count(KafkaClientConfig admin, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = admin.consumer("it", Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** The dead-letter reasons of records from {@code source} at or after offset {@code from}. */
    static List<String> reasons(KafkaClientConfig admin, String source, long from) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = admin.consumer("it", Map.of())) {
            TopicPartition tp = new TopicPartition(Topics.DEAD_LETTER, 0);
            c.assign(List.of(tp));
            c.seek(tp, from);
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Header s = r.headers().lastHeader(DeadLetters.SOURCE_TOPIC);
                    Header why = r.headers().lastHeader(DeadLetters.REASON);
                    if (s != null && source.equals(new String(s.value(), StandardCharsets.UTF_8)) && why != null)
                        out.add(new String(why.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    /** The reasons with run-specific words folded, each once. */
    static String distinct(List<String> reasons) {
        return String.join(
                "; ",
                reasons.stream()
                        .map(r -> r.length() > 60 ? r.substring(0, 60) + "…" : r)
                        .distinct()
                        .toList());
    }

    static void copyTree(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path f : s.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }

    JavaProcess trainer(Layout layout, LocalStack stack, String run, byte[] master, Path root, String steps)
            throws Exception {
        Path keyFile = tmp.resolve("run-key-" + run);
        Files.writeString(keyFile, RunKey.derive(master, run).hex() + "\n");
        List<String> args = PipelineIT.args(
                run,
                "sec",
                stack.bootstrap(),
                root,
                steps,
                "--manifest-wait-ms",
                "60000",
                "--run-key-file",
                keyFile.toString());
        JavaProcess.Builder b = TrainCommand.trainer(layout, args, 0).heap("1g");
        login("trainer").forEach((k, v) -> b.property("kafka." + k, v));
        return b.start(tmp.resolve("trainer-" + run + "-" + steps + ".log"));
    }

    Map<String, String> login(String user) {
        return Secured.clientProperties(user, passwords.get(user));
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(serve + path))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + API_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, boolean withKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(serve + path));
        if (withKey) b.header("Authorization", "Bearer " + API_KEY);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String generate(int n) throws Exception {
        HttpResponse<String> r =
                post("/generate", "{\"inputs\":\"the history of\",\"parameters\":{\"max_new_tokens\":" + n + "}}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("generated_text").asText();
    }

    static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    static String tail(JavaProcess p) throws Exception {
        List<String> lines = Files.readAllLines(p.log());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    String plain(String url) throws Exception {
        return PipelineIT.get(url);
    }

    long metric(String name) throws Exception {
        return (long) get("/q/metrics", false)
                .body()
                .lines()
                .filter(l -> l.startsWith(name))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    static void awaitTrue(Check ok, String what) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (ok.ok()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out: " + what);
    }

    interface Check {
        boolean ok() throws Exception;
    }
}
