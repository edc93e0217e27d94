package io.inrank.ingest.cli;

import java.io.PrintStream;

/** A one-line terminal progress bar: bytes, tokens/s, ETA. Redrawn at most 4 times a second. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(PrintStream out) {
        this.out = out;
    }

    void update(String split, long bytes, long total, long tokens) {
        long now = System.nanoTime();
        if (now - lastDraw < 250_000_000L) return;
        lastDraw = now;
        double secs = Math.max(1e-3, (now - start) / 1e9);
        double frac = total > 0 ? Math.min(1.0, (double) bytes / total) : 0;
        int filled = (int) Math.round(frac * WIDTH);
        double mbps = bytes / 1e6 / secs;
        long eta = frac > 0 ? Math.round(secs / frac - secs) : -1;
        out.printf(
                "\r%-10s [%s%s] %5.1f%% %8.1f/%.1f MB %6.1f MB/s %7.2f Mtok/s ETA %s   ",
                split,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                frac * 100,
                bytes / 1e6,
                total / 1e6,
                mbps,
                tokens / 1e6 / secs,
                eta < 0 ? "--:--" : String.format("%d:%02d", eta / 60, eta % 60));
        out.flush();
    }

    void reset() {
        start = System.nanoTime();
        lastDraw = 0;
    }

    void finish() {
        if (lastDraw != 0) out.println();
        lastDraw = 0;
    }
}
