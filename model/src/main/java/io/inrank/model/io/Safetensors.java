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
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (what PyTorch and Hugging Face users load): an 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets}, "__metadata__": {…}}, then the raw little-endian tensor bytes.
 * Reading checks every offset against the file, so a truncated or inconsistent file is refused with a clear message.
 * Tensors are host arrays here (F32, F64; I64 read as F64); the backend copies them in and out.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ObjectMapper JSON = new ObjectMapper();

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

    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (size < 8) throw new IOException(file + ": not a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000) {
                throw new IOException(
                        file + ": corrupt safetensors header length " + headerLen + " (file has " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            ch.read(hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(file + ": corrupt safetensors header (" + e.getMessage() + ")");
            }
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue()
                            .fields()
                            .forEachRemaining(
                                    m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                long[] shape = new long[t.path("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++)
                    count *= shape[i] = t.path("shape").get(i).asLong();
                long from = t.path("data_offsets").path(0).asLong(-1),
                        to = t.path("data_offsets").path(1).asLong(-1);
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F64", "I64" -> 8;
                    default ->
                        throw new IOException(file + ": tensor '" + e.getKey() + "' has unsupported dtype " + dtype);
                };
                if (from < 0 || to > dataLen || to - from != count * width) {
                    throw new IOException(file + ": tensor '" + e.getKey()
                            + "' lies outside the file or has the wrong size " + "(offsets " + from + ".." + to
                            + ", data " + dataLen + " bytes): truncated or corrupted");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) (to - from)).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(buf, dataStart + from);
                buf.flip();
                tensors.put(e.getKey(), decode(dtype, shape, buf, (int) count));
            }
            return new Contents(tensors, meta);
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
