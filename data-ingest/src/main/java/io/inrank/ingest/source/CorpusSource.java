package io.inrank.ingest.source;

import java.util.List;

/** A corpus laid out in one of the supported ways; yields its splits. */
public interface CorpusSource {

    /** What it is, for logs: e.g. "WikiText directory /data/wikitext-103-raw". */
    String describe();

    /** The splits it has, in ingest order. */
    List<String> splits();

    /** One split; {@link BadInputException} naming what is missing if the corpus lacks it. */
    SplitInput split(String name);

    /** The canonical split names: WikiText's "valid" is "validation" here, as on the Hugging Face hub. */
    List<String> STANDARD_SPLITS = List.of("train", "validation", "test");
}
