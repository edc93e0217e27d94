package io.inrank.ingest.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Splits a byte stream into '\n'-terminated lines, strictly UTF-8, and normalises them as the HF wikitext rows are:
 * a blank (whitespace-only) line becomes "", any other line keeps its '\n'.
 *
 * <p>Fast path: the JDK's intrinsic UTF-8 decoder; only a line that decoded to U+FFFD is re-checked strictly, so invalid
 * bytes are reported (file, line, column) instead of being replaced. A NUL byte means a binary file.
 */
public final class Utf8LineReader implements LineReader {

    private final InputStream in;
    private final String name;
    private final Predicate<String> documentStart;
    private byte[] buf = new byte[1 << 16];
    private int start;
    private int end;
    private boolean eof;
    private long lineNo;
    private long bytesRead;
    private boolean first = true;

    /**
     * @param name          shown in errors (file name or archive!entry)
     * @param documentStart which lines begin a document; null = only the very first line
     */
    public Utf8LineReader(InputStream in, String name, Predicate<String> documentStart) {
        this.in = in;
        this.name = name;
        this.documentStart = documentStart;
    }

    @Override
    public Line next() throws IOException {
        while (true) {
            int nl = indexOf((byte) '\n', start, end);
            if (nl >= 0) return emit(start, nl + 1);
            if (eof) {
                if (start < end) return emit(start, end);
                return null;
            }
            fill();
        }
    }

    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
        int n = in.read(buf, end, buf.length - end);
        if (n < 0) eof = true;
        else end += n;
    }

    private Line emit(int from, int to) {
        lineNo++;
        bytesRead += to - from;
        start = to;
        String s = new String(buf, from, to - from, StandardCharsets.UTF_8);
        if (s.indexOf('\0') >= 0) {
            throw new BadInputException(name + " line " + lineNo + ": NUL byte at column " + (s.indexOf('\0') + 1)
                    + ": this looks like a binary file, not text");
        }
        if (s.indexOf('\uFFFD') >= 0) checkStrict(from, to);
        boolean doc = documentStart == null ? first : documentStart.test(s);
        first = false;
        return new Line(s.isBlank() ? "" : s, doc);
    }

    /** The replacement char may be real text (U+FFFD encoded as EF BF BD) or a decoding error: decode strictly. */
    private void checkStrict(int from, int to) {
        CharsetDecoder dec = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bb = ByteBuffer.wrap(buf, from, to - from);
        try {
            dec.decode(bb);
        } catch (MalformedInputException e) {
            int bad = bb.position();
            int col = new String(buf, from, bad - from, StandardCharsets.UTF_8).length() + 1;
            throw new BadInputException(String.format(
                    "%s line %d: invalid UTF-8 (byte 0x%02x at column %d)", name, lineNo, buf[bad] & 0xFF, col));
        } catch (CharacterCodingException e) {
            throw new BadInputException(name + " line " + lineNo + ": invalid UTF-8 (" + e + ")");
        }
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) if (buf[i] == b) return i;
        return -1;
    }

    @Override
    public String location() {
        return name + ":" + lineNo;
    }

    @Override
    public long bytesRead() {
        return bytesRead;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
