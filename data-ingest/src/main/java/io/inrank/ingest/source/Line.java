package io.inrank.ingest.source;

/**
 * One unit of tokenization: a source line in the form the paper's code tokenizes it (HF rows of wikitext-*-raw-v1):
 * the line with its trailing '\n', or "" for a blank line.
 *
 * @param documentStart true for the first line of a document (a WikiText article title, a new speech, a new file);
 *                      used only when {@code <|endoftext|>} between documents is asked for
 */
public record Line(String text, boolean documentStart) {}
