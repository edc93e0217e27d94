package io.inrank.ingest.source;

import java.io.IOException;
import java.util.List;

/** One split of a corpus: where its text comes from and how to read it line by line. */
public interface SplitInput {

    String split();

    /** The physical inputs (files, archives, shards) whose hashes identify this split's content. */
    List<SourceRef> sources();

    /** Bytes of text to read, for progress and ETA (uncompressed size where known). */
    long textBytes();

    LineReader open() throws IOException;
}
