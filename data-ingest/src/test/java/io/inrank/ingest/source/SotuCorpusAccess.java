package io.inrank.ingest.source;

import java.util.List;

/** Test access to package-private rendering. */
public final class SotuCorpusAccess {
    private SotuCorpusAccess() {}

    public static void render(String stem, String text, List<String> out) {
        SotuCorpus.render(stem, text, out);
    }
}
