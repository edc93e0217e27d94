package io.inrank.ingest.source;

import java.util.Map;

/** WikiText layout facts shared by the directory, zip and parquet readers (the Salesforce release's layout). */
final class WikiText {
    private WikiText() {}

    /** Our split name → the name inside WikiText file names. */
    static final Map<String, String> FILE_SPLIT = Map.of("train", "train", "validation", "valid", "test", "test");

    /**
     * An article starts at a level-1 heading " = Title = " (section headings are " = = Section = = ").
     * Lines keep their leading space and trailing " \n", so compare stripped text.
     */
    static boolean isArticleTitle(String line) {
        String s = line.strip();
        return s.length() >= 4 && s.startsWith("= ") && s.endsWith(" =") && !s.startsWith("= =");
    }
}
