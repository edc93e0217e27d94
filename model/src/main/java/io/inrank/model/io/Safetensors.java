package io.inrank.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (what PyTorch and Hugging Face users load): an 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets}, "__metadata__": {…}}, then the raw little-endian tensor bytes.
 * Reading checks every offset against the file, so a truncated or inconsistent file is refused with a clear message.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A loaded file: tensors in file order and the string metadata. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {
        public INDArray get(String name) {
            INDArray t = tensors.get(name);
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
                throw new IOException(file + ": corrupt safetensors header length " + headerLen + " (file has " + size + " bytes)");
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
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                long[] shape = new long[t.path("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) count *= shape[i] = t.path("shape").get(i).asLong();
                long from = t.path("data_offsets").path(0).asLong(-1), to = t.path("data_offsets").path(1).asLong(-1);
                int width = switch (dtype) {
                    case "F32", "I32" -> 4;
                    case "F64", "I64" -> 8;
                    default -> throw new IOException(file + ": tensor '" + e.getKey() + "' has unsupported dtype " + dtype);
                };
                if (from < 0 || to > dataLen || to - from != count * width) {
                    throw new IOException(file + ": tensor '" + e.getKey() + "' lies outside the file or has the wrong size "
                            + "(offsets " + from + ".." + to + ", data " + dataLen + " bytes): truncated or corrupted");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) (to - from)).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(buf, dataStart + from);
                buf.flip();
                tensors.put(e.getKey(), toArray(dtype, shape, buf, (int) count));
            }
            return new Contents(tensors, meta);
        }
    }

    private static INDArray toArray(String dtype, long[] shape, ByteBuffer buf, int count) {
        long[] s = shape.length == 0 ? new long[]{1} : shape;
        switch (dtype) {
            case "F32": {
                float[] f = new float[count];
                buf.asFloatBuffer().get(f);
                return Nd4j.create(f, s, 'c');
            }
            case "F64": {
                double[] d = new double[count];
                buf.asDoubleBuffer().get(d);
                return Nd4j.create(d, s, 'c');
            }
            case "I64": {
                long[] l = new long[count];
                buf.asLongBuffer().get(l);
                return Nd4j.createFromArray(l).reshape(s);
            }
            default: {
                int[] i = new int[count];
                buf.asIntBuffer().get(i);
                return Nd4j.createFromArray(i).reshape(s);
            }
        }
    }

    /** Writes atomically (temporary file, then rename). FLOAT and DOUBLE tensors only. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue();
            int width = a.dataType() == DataType.DOUBLE ? 8 : 4;
            if (a.dataType() != DataType.DOUBLE && a.dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException(e.getKey() + ": only FLOAT and DOUBLE are written, got " + a.dataType());
            }
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
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
            out.write(len.array());
            out.write(h);
            for (int i = 0; i < pad; i++) out.write(' ');
            for (INDArray a : tensors.values()) {
                INDArray c = a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
                ByteBuffer b = ByteBuffer.allocate((int) (c.length() * (c.dataType() == DataType.DOUBLE ? 8 : 4))).order(ByteOrder.LITTLE_ENDIAN);
                if (c.dataType() == DataType.DOUBLE) b.asDoubleBuffer().put(c.data().asDouble());
                else b.asFloatBuffer().put(c.data().asFloat());
                out.write(b.array());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
