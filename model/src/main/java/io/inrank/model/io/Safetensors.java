package io.inrank.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inrank.model.backend.DType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (what PyTorch and Hugging Face users load): an 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets}, "__metadata__": {…}}, then the raw little-endian tensor bytes.
 * Reading checks every offset against the file, so a truncated or inconsistent file is refused with a clear message.
 * Tensors are host arrays here (F32, F64; I64 read as F64); the backend copies them in and out.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** A host tensor: exactly one of f32 / f64 is set. */
    public record HostTensor(DType dtype, long[] shape, float[] f32, double[] f64) {
        public static HostTensor of(float[] data, long... shape) {
            return new HostTensor(DType.F32, shape, data, null);
        }

        public static HostTensor of(double[] data, long... shape) {
            return new HostTensor(DType.F64, shape, null, data);
        }

        public long length() {
            return f32 != null ? f32.length : f64.length;
        }

        public double get(long i) {
            return f32 != null ? f32[(int) i] : f64[(int) i];
        }

        public double[] asDoubles() {
            if (f64 != null) return f64;
            double[] d = new double[f32.length];
            for (int i = 0; i < d.length; i++) d[i] = f32[i];
            return d;
        }
    }

    /** A loaded file: tensors in file order and the string metadata. */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {
        public HostTensor get(String name) {
            HostTensor t = tensors.get(name);
            if (t == null) throw new IllegalArgumentException("no tensor '" + name + "'");
            return t;
        }
    }

    /**
     * Reads and checks a file: the header must be a JSON object without duplicate names; every tensor a plain dotted
     * name, a known dtype, a shape of non-negative integers whose byte size matches its offsets; and the offsets must
     * tile the data exactly (from 0, no gaps, no overlaps, to the end of the file), as the format requires. Everything is
     * checked before any tensor is read, so a hostile header cannot make the reader allocate more than the file holds.
     */
    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (size < 8) throw new IOException(file + ": not a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000) {
                throw new IOException(
                        file + ": corrupt safetensors header length " + headerLen + " (file has " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, file);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(file + ": corrupt safetensors header (" + e.getMessage() + ")");
            }
            if (header == null || !header.isObject())
                throw new IOException(file + ": corrupt safetensors header (not a JSON object)");
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            List<Entry> entries = new ArrayList<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject()) throw new IOException(file + ": __metadata__ is not a JSON object");
                    e.getValue()
                            .fields()
                            .forEachRemaining(
                                    m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.add(entry(file, e.getKey(), e.getValue()));
            }
            checkTiling(file, entries, dataLen);
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (Entry t : entries) {
                ByteBuffer buf = ByteBuffer.allocate((int) (t.to - t.from)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + t.from, file);
                buf.flip();
                tensors.put(t.name, decode(t.dtype, t.shape, buf, (int) t.count));
            }
            return new Contents(tensors, meta);
        }
    }

    /** One tensor's header entry, checked on its own. */
    private record Entry(String name, String dtype, long[] shape, long count, long from, long to) {}

    private static Entry entry(Path file, String name, JsonNode t) throws IOException {
        String at = file + ": tensor '" + name + "'";
        if (name.isEmpty()
                || name.contains("/")
                || name.contains("\\")
                || name.contains("..")
                || name.chars().anyMatch(ch -> ch < 0x20))
            throw new IOException(at + ": not a plain dotted tensor name");
        if (!t.isObject()) throw new IOException(at + ": entry is not a JSON object");
        String dtype = t.path("dtype").asText();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F64", "I64" -> 8;
            default -> throw new IOException(at + " has unsupported dtype '" + dtype + "' (F32, F64, I64)");
        };
        JsonNode sh = t.path("shape"), off = t.path("data_offsets");
        if (!sh.isArray()) throw new IOException(at + ": shape is not an array");
        if (!off.isArray()
                || off.size() != 2
                || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber()) throw new IOException(at + ": data_offsets is not [begin, end]");
        long[] shape = new long[sh.size()];
        long count = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                if (!sh.get(i).isIntegralNumber() || sh.get(i).asLong() < 0)
                    throw new IOException(at + ": shape " + sh + " is not a list of non-negative integers");
                count = Math.multiplyExact(count, shape[i] = sh.get(i).asLong());
            }
            long from = off.get(0).asLong(), to = off.get(1).asLong();
            long bytes = Math.multiplyExact(count, width);
            if (from < 0 || to < from || to - from != bytes)
                throw new IOException(at + ": offsets " + from + ".." + to + " do not hold " + dtype + " " + sh + " ("
                        + bytes + " bytes)");
            if (bytes > Integer.MAX_VALUE - 8)
                throw new IOException(at + ": " + bytes + " bytes, more than one array can hold (2 GiB)");
            return new Entry(name, dtype, shape, count, from, to);
        } catch (ArithmeticException e) {
            throw new IOException(at + ": shape " + sh + " overflows");
        }
    }

    /** The offsets must cover [0, dataLen) exactly once: sorted, they start at 0, touch end to start, end at dataLen. */
    private static void checkTiling(Path file, List<Entry> entries, long dataLen) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::from).thenComparingLong(Entry::to));
        long at = 0;
        String prev = null;
        for (Entry e : sorted) {
            if (e.from < at)
                throw new IOException(file + ": tensors '" + prev + "' and '" + e.name + "' overlap (offset " + e.from
                        + " < " + at + ")");
            if (e.from > at)
                throw new IOException(file + ": " + (e.from - at) + " bytes before tensor '" + e.name
                        + "' belong to no tensor (offset " + at + ")");
            at = e.to;
            prev = e.name;
        }
        if (at != dataLen)
            throw new IOException(file + ": the tensors end at byte " + at + " of " + dataLen + " data bytes: "
                    + (at > dataLen ? "truncated" : "trailing bytes that belong to no tensor"));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        for (long p = position; buf.hasRemaining(); ) {
            int n = ch.read(buf, p);
            if (n < 0) throw new IOException(file + ": ends early (truncated while reading)");
            p += n;
        }
    }

    private static HostTensor decode(String dtype, long[] shape, ByteBuffer buf, int count) {
        switch (dtype) {
            case "F32": {
                float[] f = new float[count];
                buf.asFloatBuffer().get(f);
                return HostTensor.of(f, shape);
            }
            case "F64": {
                double[] d = new double[count];
                buf.asDoubleBuffer().get(d);
                return HostTensor.of(d, shape);
            }
            default: {
                double[] d = new double[count];
                for (int i = 0; i < count; i++) d[i] = buf.getLong();
                return HostTensor.of(d, shape);
            }
        }
    }

    /** Writes atomically (temporary file, then rename); returns the file's sha256 (hex), computed while writing it. */
    public static String write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            HostTensor a = e.getValue();
            int width = a.dtype() == DType.F64 ? 8 : 4;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", width == 8 ? "F64" : "F32");
            var shape = t.putArray("shape");
            for (long s : a.shape()) shape.add(s);
            long n = a.length() * width;
            t.putArray("data_offsets").add(offset).add(offset + n);
            offset += n;
        }
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int pad = (8 - h.length % 8) % 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
            ByteBuffer len =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
            out.write(len.array());
            out.write(h);
            for (int i = 0; i < pad; i++) out.write(' ');
            for (HostTensor a : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate((int) (a.length() * (a.dtype() == DType.F64 ? 8 : 4)))
                        .order(ByteOrder.LITTLE_ENDIAN);
                if (a.dtype() == DType.F64) b.asDoubleBuffer().put(a.f64());
                else b.asFloatBuffer().put(a.f32());
                out.write(b.array());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return HexFormat.of().formatHex(md.digest());
    }
}
