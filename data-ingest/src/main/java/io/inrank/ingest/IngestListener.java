package io.inrank.ingest;

import io.inrank.protocol.DatasetManifest;

/** Progress callbacks (metrics, the terminal progress bar). Called from the ingest thread. */
public interface IngestListener {

    default void splitStarted(String split, long textBytes, long resumeFromBlock) {}

    /** Cumulative counts for the split being ingested. */
    default void progress(String split, long bytesRead, long textBytes, long tokens, long blocksSent) {}

    default void splitFinished(SplitResult result) {}

    default void failed(String split, Exception error) {}

    IngestListener NONE = new IngestListener() {};

    /** What happened to one split. */
    record SplitResult(
            DatasetManifest manifest, Status status, long blocksSent, long resumedFrom, double seconds, long bytes) {}

    enum Status {
        /** Written from the first block. */
        INGESTED,
        /** An interrupted run with the same sources was continued. */
        RESUMED,
        /** Already done with the same sources: nothing written. */
        UNCHANGED
    }
}
