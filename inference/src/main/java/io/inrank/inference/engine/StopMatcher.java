package io.inrank.inference.engine;

import java.util.List;

/**
 * Stop sequences with OpenAI's semantics: the output ends right before the first occurrence of any stop string (which
 * is not included), even when it spans several tokens or starts inside one. While streaming, text that could still be
 * the beginning of a stop string is held back, so nothing that is sent ever has to be taken back.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final int hold;
    private final StringBuilder text = new StringBuilder();
    private int sent;
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
        this.hold = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    /** Appends generated text; returns what can be sent now. After a stop matched, {@link #stopped()} is true. */
    public String push(String delta) {
        if (stopped) return "";
        int from = Math.max(0, text.length() - hold);
        text.append(delta);
        int cut = -1;
        for (String s : stops) {
            int i = text.indexOf(s, from);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            stopped = true;
            return take(cut);
        }
        return take(Math.max(sent, text.length() - hold));
    }

    /** At the end of generation: everything not yet sent (no stop can match any more). */
    public String finish() {
        return stopped ? "" : take(text.length());
    }

    public boolean stopped() {
        return stopped;
    }

    /** The output so far: the text up to the stop, or everything generated. */
    public String text() {
        return stopped ? text.substring(0, sent) : text.toString();
    }

    private String take(int upTo) {
        if (upTo <= sent) return "";
        String out = text.substring(sent, upTo);
        sent = upTo;
        return out;
    }
}
