package io.inrank.ingest.source;

import java.io.Closeable;
import java.io.IOException;

/** Lines of one split, in order. Errors are {@link BadInputException}s that name the file and line. */
public interface LineReader extends Closeable {

    /** The next line, or null at the end. */
    Line next() throws IOException;

    /** Where the reader is, e.g. {@code wiki.train.raw:1207}, for messages. */
    String location();

    /** Input bytes consumed so far (for progress). */
    long bytesRead();
}
