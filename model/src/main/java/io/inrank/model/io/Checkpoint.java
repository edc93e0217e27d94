package io.inrank.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inrank.model.AdamW;
import io.inrank.model.FrozenBase;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A checkpoint directory: {@code model.safetensors} (factors stay factored: {@code …fc1.A} [R, in], {@code …fc1.Bt}
 * [R, out] = Bᵀ; a cumulative model's frozen W_0 is not stored: it is regenerated from the seed, {@code FrozenBase}),
 * {@code optimizer.safetensors} (AdamW moments {@code m.<name>}, {@code v.<name>}) and
 * {@code state.json} (config, step, stage, stored and active ranks, optimizer step, dropout seed, the caller's data
 * position and the size + sha256 of each file). Written to a temporary directory and renamed, so a crash never leaves
 * a half checkpoint under the final name. Loading verifies sizes and hashes first and refuses a damaged checkpoint with
 * a message naming the file.
 *
 * <p>A checkpoint is valid only when every file its state.json lists under {@code "files"} is there, a regular file,
 * of the recorded size and sha256, nothing unlisted is lying next to them, and the optimizer file is listed exactly when
 * the state records optimizer state ({@code "optimizerStep"} ≥ 0; a checkpoint saved without an optimizer, like the
 * serving export, records −1 and {@code "kind": "inference"}). Two loads: {@link #load} (serving: the optimizer is
 * optional) and {@link #loadForTraining} (a resume: the optimizer moments are required, so a checkpoint that lost them —
 * a partial copy, or a state.json edited to no longer list them — is refused instead of resuming without them).
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final int FORMAT = 1;
    static final String MODEL_FILE = "model.safetensors", OPTIMIZER_FILE = "optimizer.safetensors";
    /** The files a checkpoint may list; anything else (a path, another name) is refused before it is opened. */
    static final java.util.Set<String> FILES = java.util.Set.of(MODEL_FILE, OPTIMIZER_FILE);

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What a checkpoint holds besides tensors. {@code extra}: the trainer's own state (data position, LR, …). On save the
     * model's own dropout seed is written (it keys the masks); on load this is the seed read back.
     */
    public record State(long step, int stage, long dropoutSeed, Map<String, Object> extra) {}

    /**
     * A loaded checkpoint. {@code optimizer}: the AdamW moments and step count; never null from
     * {@link #loadForTraining}, null from {@link #load} only for a checkpoint saved without optimizer state (the serving
     * export).
     */
    public record Loaded(GptModel model, AdamW optimizer, State state) {}

    /** Writes {@code dir} atomically; fails if it exists. */
    public static void save(Path dir, GptModel model, AdamW opt, State state) throws IOException {
        write(dir, snapshot(model, opt, state));
    }

    /**
     * A checkpoint's content copied to the Java heap: taking it is fast (one device-to-host copy per tensor), writing it
     * ({@link #write}) can then happen on another thread while training goes on.
     */
    public record Snapshot(
            Map<String, Safetensors.HostTensor> tensors,
            Map<String, Safetensors.HostTensor> moments,
            ObjectNode state) {}

    public static Snapshot snapshot(GptModel model, AdamW opt, State state) {
        Params p = model.params();
        Backend be = p.backend();
        Map<String, Safetensors.HostTensor> tensors = new LinkedHashMap<>();
        Map<String, Safetensors.HostTensor> moments = opt == null ? null : new LinkedHashMap<>();
        for (Params.Entry t : p.all().values()) {
            tensors.put(t.name(), host(be, t.value()));
            if (opt != null) {
                moments.put("m." + t.name(), host(be, opt.moment(t, true)));
                moments.put("v." + t.name(), host(be, opt.moment(t, false)));
            }
        }
        return new Snapshot(
                tensors,
                moments,
                opt == null
                        ? stateJson(model, state, -1, "inference")
                        : stateJson(model, state, opt.stepCount(), "training"));
    }

    /** Writes a snapshot to {@code dir} atomically (temporary directory, then rename); fails if it exists. */
    public static void write(Path dir, Snapshot snap) throws IOException {
        Path tmp = dir.resolveSibling("." + dir.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectories(tmp);
        ObjectNode s = snap.state().deepCopy();
        ObjectNode files = s.putObject("files");
        String sha = Safetensors.write(
                tmp.resolve("model.safetensors"), snap.tensors(), Map.of("format", "inrank/" + FORMAT));
        files.putObject("model.safetensors")
                .put("bytes", Files.size(tmp.resolve("model.safetensors")))
                .put("sha256", sha);
        if (snap.moments() != null) {
            sha = Safetensors.write(
                    tmp.resolve("optimizer.safetensors"), snap.moments(), Map.of("format", "inrank/" + FORMAT));
            files.putObject("optimizer.safetensors")
                    .put("bytes", Files.size(tmp.resolve("optimizer.safetensors")))
                    .put("sha256", sha);
        }
        JSON.writeValue(tmp.resolve("state.json").toFile(), s);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The compressed model for serving: each InRank layer's first k (active) modes only, no optimizer state.
     * Loads with {@link #load} like any checkpoint (stage 2, stored = active ranks).
     */
    public static void exportInference(Path dir, GptModel model, State state) throws IOException {
        GptModel small = model;
        if (model.config().lowRank()) {
            int[] ranks = new int[model.inRankLayers()];
            for (int i = 0; i < ranks.length; i++) ranks[i] = model.activeModes(i);
            small = new GptModel( // the model's seed: a cumulative model's W_0 is regenerated from it
                    model.backend(), model.config(), 1, 1, model.params().dtype(), model.dropoutSeed(), ranks);
            Backend be = model.backend();
            for (Params.Entry t : small.params().all().values()) {
                Tensor src = model.params().value(t.name());
                if (t.name().endsWith(".A") || t.name().endsWith(".Bt")) src = be.rows(src, (int) t.shape()[0]);
                be.copy(src, t.value());
            }
        }
        save(dir, small, null, new State(state.step(), 2, state.dropoutSeed(), state.extra()));
    }

    private static ObjectNode stateJson(GptModel model, State state, long optStep, String kind) {
        ObjectNode s = JSON.createObjectNode();
        s.put("format", FORMAT)
                .put("kind", kind)
                .put("step", state.step())
                .put("stage", state.stage())
                .put("dropoutSeed", model.dropoutSeed())
                .put("optimizerStep", optStep); // the model's: it keys its masks
        GptConfig c = model.config();
        s.putObject("config")
                .put("vocab", c.vocab())
                .put("context", c.context())
                .put("layers", c.layers())
                .put("heads", c.heads())
                .put("dim", c.dim())
                .put("mode", c.mode().name())
                .put("scaleAttnByLayer", c.scaleAttnByLayer())
                .put("dropout", c.dropout())
                .put("layerNormEps", c.layerNormEps())
                .put("dtype", model.params().dtype().name()); // F32 or F64
        if (c.cumulative())
            ((ObjectNode) s.get("config")).put("base", FrozenBase.scheme(c.mode())); // W_0 from the seed
        var stored = s.putArray("storedModes");
        var active = s.putArray("activeModes");
        for (int i = 0; i < model.inRankLayers(); i++) {
            stored.add(model.storedModes(i));
            active.add(model.activeModes(i));
        }
        s.set("extra", JSON.valueToTree(state.extra() == null ? Map.of() : state.extra()));
        return s;
    }

    /**
     * A checkpoint directory as given, or a run directory's newest {@code step-*} checkpoint (by name: the step is
     * zero-padded); a path that is neither a checkpoint nor a directory comes back unchanged, for {@link #load} to refuse.
     *
     * @throws IOException for a directory with neither a state.json nor any step-* checkpoint
     */
    public static Path resolve(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("state.json")) || !Files.isDirectory(dir)) return dir;
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p))
                    .max(java.util.Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new IOException(dir
                            + ": neither a checkpoint (no state.json) nor a run directory with step-* checkpoints"));
        }
    }

    /**
     * Loads and verifies a checkpoint into a model of {@code batch × seq} on backend {@code be}, for serving or
     * evaluation: the optimizer state is loaded when the checkpoint has it ({@link Loaded#optimizer} is null otherwise).
     *
     * @throws IOException naming the file and the reason when anything listed is missing, not a regular file, of
     *     another size or hash, or the state.json is inconsistent (e.g. it records optimizer state but lists no file)
     */
    public static Loaded load(Backend be, Path dir, int batch, int seq) throws IOException {
        return load(be, dir, batch, seq, false);
    }

    /**
     * Like {@link #load}, for resuming training: the checkpoint must hold everything a resume needs, so
     * {@link Loaded#optimizer} is never null. A checkpoint without optimizer moments (a serving export, a partial copy,
     * a state.json edited to no longer list them) is refused with an IOException saying so.
     */
    public static Loaded loadForTraining(Backend be, Path dir, int batch, int seq) throws IOException {
        Loaded l = load(be, dir, batch, seq, true);
        // load(…, true) refuses a checkpoint without optimizer state before reading it; this is the method's contract
        if (l.optimizer() == null) throw new IOException(dir + ": no optimizer state, cannot resume training");
        return l;
    }

    @SuppressWarnings("unchecked")
    private static Loaded load(Backend be, Path dir, int batch, int seq, boolean training) throws IOException {
        Path stateFile = dir.resolve("state.json");
        if (!Files.isRegularFile(stateFile)) throw new IOException(dir + ": not a checkpoint (no state.json)");
        JsonNode s;
        try {
            s = JSON.readTree(stateFile.toFile());
        } catch (IOException e) {
            throw new IOException(stateFile + ": corrupt (" + e.getMessage() + ")");
        }
        if (s.path("format").asInt() != FORMAT)
            throw new IOException(stateFile + ": unsupported checkpoint format " + s.path("format"));
        boolean hasOptimizer = verifyFiles(dir, stateFile, s, training);
        GptConfig cfg;
        int[] stored = null, active;
        DType dtype;
        try { // every value checked before anything is allocated: the claimed model must fit in model.safetensors
            JsonNode c = s.path("config");
            cfg = new GptConfig(
                    c.path("vocab").asInt(),
                    c.path("context").asInt(),
                    c.path("layers").asInt(),
                    c.path("heads").asInt(),
                    c.path("dim").asInt(),
                    GptConfig.Mode.valueOf(c.path("mode").asText()),
                    c.path("scaleAttnByLayer").asBoolean(),
                    c.path("dropout").asDouble(),
                    c.path("layerNormEps").asDouble());
            dtype = DType.valueOf(c.path("dtype").asText("F32"));
            if (cfg.cumulative()
                    && !FrozenBase.scheme(cfg.mode()).equals(c.path("base").asText()))
                throw new IllegalArgumentException("a cumulative model whose W_0 this build cannot regenerate (base '"
                        + c.path("base").asText() + "', this build: '" + FrozenBase.scheme(cfg.mode()) + "')");
            if (cfg.lowRank()) stored = ints(s.path("storedModes"), 2 * cfg.layers(), "storedModes");
            active = ints(s.path("activeModes"), cfg.lowRank() ? 2 * cfg.layers() : 0, "activeModes");
            long params = GptModel.parameterCount(cfg, stored);
            long have = Files.size(dir.resolve("model.safetensors")), need = params * (dtype == DType.F64 ? 8 : 4);
            if (need > have)
                throw new IllegalArgumentException("it describes " + params + " parameters (" + need
                        + " bytes) but model.safetensors has " + have + " bytes");
        } catch (RuntimeException e) { // IllegalArgument, Arithmetic (a zero or overflowing size), …
            throw new IOException(stateFile + ": invalid model description: " + e.getMessage(), e);
        }
        GptModel model;
        try {
            model = new GptModel(
                    be, cfg, batch, seq, dtype, s.path("dropoutSeed").asLong(), stored);
            for (int i = 0; i < model.inRankLayers(); i++) model.setActiveModes(i, active[i]);
        } catch (IllegalArgumentException e) {
            throw new IOException(stateFile + ": invalid model description: " + e.getMessage(), e);
        }
        Safetensors.Contents weights = Safetensors.read(dir.resolve("model.safetensors"));
        for (Params.Entry t : model.params().all().values())
            assign(be, t.value(), weights, "model.safetensors", t.name());
        AdamW opt = null;
        if (hasOptimizer) { // listed, so verified above
            Safetensors.Contents mom = Safetensors.read(dir.resolve(OPTIMIZER_FILE));
            opt = AdamW.paperDefaults(model.params());
            opt.setStepCount(s.path("optimizerStep").asLong());
            for (Params.Entry t : model.params().all().values()) {
                assign(be, opt.moment(t, true), mom, "optimizer.safetensors", "m." + t.name());
                assign(be, opt.moment(t, false), mom, "optimizer.safetensors", "v." + t.name());
            }
        }
        Map<String, Object> extra = JSON.convertValue(s.path("extra"), Map.class);
        return new Loaded(
                model,
                opt,
                new State(
                        s.path("step").asLong(),
                        s.path("stage").asInt(),
                        s.path("dropoutSeed").asLong(),
                        extra));
    }

    /**
     * Checks what state.json lists under {@code "files"} against the directory, before anything is read from those
     * files: only known names; model.safetensors always; optimizer.safetensors exactly when the state records optimizer
     * state ({@code "optimizerStep"} ≥ 0), and always for {@code training}; each listed file present, a regular file, of
     * the recorded size and sha256; no unlisted optimizer file next to them.
     *
     * @return whether the checkpoint has (verified) optimizer state
     */
    private static boolean verifyFiles(Path dir, Path stateFile, JsonNode s, boolean training) throws IOException {
        JsonNode files = s.path("files");
        if (!files.isObject()) throw new IOException(stateFile + ": no \"files\" object (the files and their hashes)");
        if (!files.has(MODEL_FILE)) throw new IOException(stateFile + ": lists no " + MODEL_FILE + " under \"files\"");
        for (var it = files.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FILES.contains(name))
                throw new IOException(stateFile + ": lists an unknown file '" + name + "' (only " + FILES + ")");
        }
        JsonNode optStep = s.path("optimizerStep");
        if (!optStep.isMissingNode() && !(optStep.isIntegralNumber() && optStep.canConvertToLong()))
            throw new IOException(stateFile + ": \"optimizerStep\" is not an integer: " + optStep);
        boolean listed = files.has(OPTIMIZER_FILE), recorded = optStep.asLong(-1) >= 0;
        if (recorded && !listed) {
            throw new IOException(stateFile + ": records optimizer state (optimizer step " + optStep.asLong()
                    + ") but lists no " + OPTIMIZER_FILE + " under \"files\": incomplete checkpoint"
                    + (Files.exists(dir.resolve(OPTIMIZER_FILE)) ? " (the file is there, unverified)" : ""));
        }
        if (listed && !recorded) {
            throw new IOException(stateFile + ": lists " + OPTIMIZER_FILE + " but records no optimizer step"
                    + " (\"optimizerStep\": " + optStep + "): inconsistent");
        }
        if (training && !listed) {
            throw new IOException(stateFile + ": has no optimizer state (kind '"
                    + s.path("kind").asText() + "', no " + OPTIMIZER_FILE
                    + "): a serving export or an incomplete copy cannot resume training");
        }
        if (!listed && Files.exists(dir.resolve(OPTIMIZER_FILE), LinkOption.NOFOLLOW_LINKS))
            throw new IOException(stateFile + ": " + OPTIMIZER_FILE + " is not listed under \"files\" (unverified)");
        for (var it = files.fields(); it.hasNext(); ) {
            var f = it.next();
            Path file = dir.resolve(f.getKey());
            if (!Files.exists(file)) throw new IOException(file + ": missing (listed in state.json)");
            if (!Files.isRegularFile(file)) throw new IOException(file + ": not a regular file");
            long bytes = Files.size(file), want = f.getValue().path("bytes").asLong(-1);
            if (bytes != want)
                throw new IOException(file + ": " + bytes + " bytes, expected " + want + " (truncated?)");
            String sha = sha256(file), wantSha = f.getValue().path("sha256").asText();
            if (!sha.equals(wantSha))
                throw new IOException(
                        file + ": sha256 " + sha + " does not match state.json (" + wantSha + "): corrupted");
        }
        return listed;
    }

    /** A JSON array of exactly {@code n} integers. */
    private static int[] ints(JsonNode a, int n, String name) {
        if (!a.isArray() || a.size() != n)
            throw new IllegalArgumentException(name + " must be an array of " + n + " integers, is " + a);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            if (!a.get(i).isInt()) throw new IllegalArgumentException(name + "[" + i + "] is not an integer");
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static void assign(Backend be, Tensor dst, Safetensors.Contents file, String fileName, String name)
            throws IOException {
        Safetensors.HostTensor src = file.tensors().get(name);
        if (src == null) throw new IOException(fileName + ": no tensor " + name);
        if (!java.util.Arrays.equals(dst.shape(), src.shape())) {
            throw new IOException(fileName + ": tensor " + name + " has shape " + java.util.Arrays.toString(src.shape())
                    + ", the model needs " + java.util.Arrays.toString(dst.shape()));
        }
        if (src.f32() != null) be.fromHostF32(dst, src.f32());
        else be.fromHost(dst, src.f64());
    }

    private static Safetensors.HostTensor host(Backend be, Tensor t) {
        return t.dtype() == DType.F64
                ? Safetensors.HostTensor.of(be.toHost(t), t.shape())
                : Safetensors.HostTensor.of(be.toHostF32(t), t.shape());
    }

    public static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
