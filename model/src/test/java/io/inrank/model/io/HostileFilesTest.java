package io.inrank.model.io;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and damaged files for the two loaders: a safetensors file (every truncation, header lengths, crafted headers:
 * huge or negative or overflowing shapes, offsets past the end, overlapping, gaps, wrong dtypes, names with path parts,
 * duplicates, plus thousands of seeded byte flips) and a checkpoint's state.json (files outside the directory, a claimed
 * model far larger than its file, zero or negative sizes, ranks that do not fit). Each is either read correctly or refused
 * with an IOException naming the file; never another exception, never a large allocation. Prints one JSON line of counts.
 */
class HostileFilesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Backend BE = TestBackends.nd4j();

    @TempDir
    Path tmp;

    int tried, refused, readFine;

    /** A small valid file: three tensors of two dtypes. */
    Path valid() throws IOException {
        Map<String, Safetensors.HostTensor> t = new LinkedHashMap<>();
        t.put("h.0.mlp.fc1.A", Safetensors.HostTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("h.0.mlp.fc1.bias", Safetensors.HostTensor.of(new float[] {7, 8, 9}, 3));
        t.put("wte", Safetensors.HostTensor.of(new double[] {0.5, -0.5}, 1, 2));
        Path f = tmp.resolve("valid.safetensors");
        Safetensors.write(f, t, Map.of("format", "inrank/1"));
        return f;
    }

    /** Reads {@code bytes} as a file: refused cleanly (IOException naming it) or read; anything else fails the test. */
    void attempt(byte[] bytes, String what, boolean mustRefuse) throws IOException {
        Path f = tmp.resolve("case.safetensors");
        Files.write(f, bytes);
        tried++;
        try {
            Safetensors.read(f);
            readFine++;
            assertFalse(mustRefuse, what + ": read although it must be refused");
        } catch (IOException e) {
            refused++;
            assertTrue(
                    e.getMessage().startsWith(f.toString()), what + ": the message names the file: " + e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            fail(what + ": " + e + " instead of a clear refusal", e);
        }
    }

    static byte[] withHeader(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(h.length).put(h).put(data).array();
    }

    static byte[] header(byte[] file) {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return java.util.Arrays.copyOfRange(file, 8, 8 + (int) n);
    }

    static byte[] data(byte[] file) {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return java.util.Arrays.copyOfRange(file, 8 + (int) n, file.length);
    }

    /** The valid header with one tensor entry edited. */
    String edited(byte[] file, String tensor, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode h = (ObjectNode) JSON.readTree(header(file));
        edit.accept((ObjectNode) h.get(tensor));
        return JSON.writeValueAsString(h);
    }

    @Test
    void hostileSafetensorsAreRefusedByNameWithoutLargeAllocations() throws IOException {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        long heapBefore = heapUsed();
        byte[] ok = Files.readAllBytes(valid());
        byte[] data = data(ok);
        attempt(ok, "the valid file", false);
        assertEquals(1, readFine);

        for (int len = 0; len < ok.length; len++)
            attempt(java.util.Arrays.copyOf(ok, len), "truncated to " + len, true);
        for (long claimed : new long[] {0, -1, Long.MAX_VALUE, 1L << 40, ok.length - 7, 100_000_001})
            attempt(
                    ByteBuffer.allocate(ok.length)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .put(ok)
                            .putLong(0, claimed)
                            .array(),
                    "header length " + claimed,
                    true);

        String a = "h.0.mlp.fc1.A";
        Map<String, String> crafted = new LinkedHashMap<>();
        crafted.put(
                "terabyte shape",
                edited(ok, a, t -> t.set("shape", JSON.valueToTree(new long[] {1L << 20, 1L << 20}))));
        crafted.put(
                "overflowing shape",
                edited(ok, a, t -> t.set("shape", JSON.valueToTree(new long[] {1L << 40, 1L << 40}))));
        crafted.put("negative dims", edited(ok, a, t -> t.set("shape", JSON.valueToTree(new long[] {-2, -3}))));
        crafted.put("fractional dim", edited(ok, a, t -> ((ArrayNode) t.get("shape")).set(0, JSON.valueToTree(1.5))));
        crafted.put("shape not an array", edited(ok, a, t -> t.put("shape", "2x3")));
        crafted.put(
                "offsets past the end",
                edited(ok, a, t -> t.set("data_offsets", JSON.valueToTree(new long[] {1000, 1024}))));
        crafted.put(
                "overlapping offsets",
                edited(ok, "h.0.mlp.fc1.bias", t -> t.set("data_offsets", JSON.valueToTree(new long[] {4, 16}))));
        crafted.put(
                "reversed offsets", edited(ok, a, t -> t.set("data_offsets", JSON.valueToTree(new long[] {24, 0}))));
        crafted.put(
                "three offsets", edited(ok, a, t -> t.set("data_offsets", JSON.valueToTree(new long[] {0, 24, 30}))));
        crafted.put("dtype F16", edited(ok, a, t -> t.put("dtype", "F16")));
        crafted.put("dtype missing", edited(ok, a, t -> t.remove("dtype")));
        crafted.put(
                "shape and bytes disagree", edited(ok, a, t -> t.set("shape", JSON.valueToTree(new long[] {3, 3}))));
        crafted.put("header is an array", "[1,2,3]");
        crafted.put("header is a number", "12345");
        crafted.put("entry is a string", "{\"x\":\"F32\"}");
        crafted.put(
                "metadata is a list",
                new String(header(ok), StandardCharsets.UTF_8).replaceFirst("\\{\"format\":\"inrank/1\"}", "[1]"));
        crafted.put(
                "duplicate names",
                new String(header(ok), StandardCharsets.UTF_8)
                        .replaceFirst("\"h.0.mlp.fc1.bias\"", "\"h.0.mlp.fc1.A\""));
        for (String bad : new String[] {"../../etc/passwd", "h/0", "a\\\\b", "tab\\tname", ""})
            crafted.put(
                    "name '" + bad + "'",
                    new String(header(ok), StandardCharsets.UTF_8).replace("\"wte\"", "\"" + bad + "\""));
        crafted.put("trailing bytes", new String(header(ok), StandardCharsets.UTF_8)); // with 8 more data bytes, below
        for (var c : crafted.entrySet()) {
            byte[] d = c.getKey().startsWith("trailing") ? java.util.Arrays.copyOf(data, data.length + 8) : data;
            attempt(withHeader(c.getValue(), d), c.getKey(), true);
        }

        Random r = new Random(19);
        int headerEnd = 8 + header(ok).length;
        for (int i = 0; i < 3000; i++) { // seeded flips anywhere: each read correctly or refused cleanly
            byte[] b = ok.clone();
            for (int k = 1 + r.nextInt(3); k > 0; k--)
                b[i % 2 == 0 ? r.nextInt(headerEnd) : r.nextInt(b.length)] = (byte) r.nextInt(256);
            attempt(b, "flip case " + i, false);
        }
        long peak = peakHeap() - heapBefore;
        System.out.printf(
                "{\"hostile_safetensors\":{\"cases\":%d,\"refused\":%d,\"read\":%d,\"peak_heap_growth_mib\":%.1f}}%n",
                tried, refused, readFine, peak / 1048576.0);
        assertEquals(tried, refused + readFine);
        assertTrue(refused >= ok.length + 6 + crafted.size(), "every crafted case refused");
        assertTrue(peak < 256L << 20, "no case allocates what its header claims: peak growth " + peak);
    }

    @Test
    void hostileStateJsonIsRefusedBeforeTheModelIsBuilt() throws IOException {
        GptConfig cfg = new GptConfig(64, 16, 2, 2, 16, GptConfig.Mode.INRANK, true, 0.1, 1e-5);
        GptModel m = new GptModel(BE, cfg, 1, 4, DType.F32, 1, null);
        Path dir = tmp.resolve("step-1");
        Checkpoint.save(dir, m, AdamW.paperDefaults(m.params()), new Checkpoint.State(1, 1, 1, Map.of()));
        assertEquals(
                GptModel.parameterCount(cfg, new int[] {8, 8, 8, 8}), m.params().count(), "closed form = layout");
        assertNotNull(Checkpoint.load(BE, dir, 1, 4).model());
        Path state = dir.resolve("state.json");
        String good = Files.readString(state);

        Map<String, Consumer<ObjectNode>> cases = new LinkedHashMap<>();
        cases.put(
                "a file outside the directory",
                s -> ((ObjectNode) s.get("files"))
                        .set("../state.json", s.get("files").get("model.safetensors")));
        cases.put("no files listed", s -> s.remove("files"));
        cases.put("optimizer not listed", s -> ((ObjectNode) s.get("files")).remove("optimizer.safetensors"));
        cases.put("a vocabulary of a billion", s -> ((ObjectNode) s.get("config")).put("vocab", 1_000_000_000));
        cases.put(
                "width 2^30",
                s -> ((ObjectNode) s.get("config")).put("dim", 1 << 30).put("heads", 1));
        cases.put("10^9 layers", s -> ((ObjectNode) s.get("config")).put("layers", 1_000_000_000));
        cases.put("zero heads", s -> ((ObjectNode) s.get("config")).put("heads", 0));
        cases.put("negative context", s -> ((ObjectNode) s.get("config")).put("context", -5));
        cases.put("unknown mode", s -> ((ObjectNode) s.get("config")).put("mode", "LORA"));
        cases.put("unknown dtype", s -> ((ObjectNode) s.get("config")).put("dtype", "F16"));
        cases.put("stored ranks missing", s -> s.remove("storedModes"));
        cases.put("stored ranks too few", s -> s.set("storedModes", JSON.valueToTree(new int[] {8, 8})));
        cases.put("stored rank above the cap", s -> s.set("storedModes", JSON.valueToTree(new int[] {8, 8, 8, 999})));
        cases.put("active above stored", s -> s.set("activeModes", JSON.valueToTree(new int[] {8, 8, 8, 9})));
        cases.put(
                "active not integers", s -> s.set("activeModes", JSON.valueToTree(new String[] {"a", "b", "c", "d"})));
        int n = 0;
        for (var c : cases.entrySet()) {
            ObjectNode s = (ObjectNode) JSON.readTree(good);
            c.getValue().accept(s);
            Files.writeString(state, JSON.writeValueAsString(s));
            IOException e = assertThrows(IOException.class, () -> Checkpoint.load(BE, dir, 1, 4), c.getKey());
            assertTrue(
                    e.getMessage().contains(dir.toString()), c.getKey() + ": names the checkpoint: " + e.getMessage());
            n++;
        }
        Files.writeString(state, good);
        assertNotNull(Checkpoint.load(BE, dir, 1, 4).model(), "the untouched checkpoint still loads");
        System.out.printf("{\"hostile_state_json\":{\"cases\":%d,\"refused\":%d}}%n", cases.size(), n);
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        return sum;
    }
}
