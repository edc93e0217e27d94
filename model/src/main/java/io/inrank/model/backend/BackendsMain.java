package io.inrank.model.backend;

/**
 * {@code ./inrank backends}: every known backend and whether it can run here (and why not); {@code --check NAME}
 * prints nothing and exits 0 when NAME is available, else its one-line reason and exit code 2 — without starting it
 * (the launcher checks before it starts a broker for a run that could not train).
 */
public final class BackendsMain {
    private BackendsMain() {}

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--check")) {
            String name = Backends.resolve(args[1]);
            for (Backends.Status s : Backends.list()) {
                if (!s.name().equals(name)) continue;
                if (s.available()) return;
                System.err.println(
                        "error: --backend " + name + ": " + s.unavailableReason() + "; " + Backends.summary());
                System.exit(2);
            }
            System.err.println(
                    "error: --backend: unknown backend '" + name + "'; known: " + String.join(", ", Backends.KNOWN));
            System.exit(2);
        }
        if (args.length > 0) {
            System.err.println("usage: ./inrank backends [--check NAME]");
            System.exit(2);
        }
        System.out.println(
                "backends (--backend NAME or " + Backends.ENV + "; default now: " + Backends.resolve(null) + "):");
        for (Backends.Status s : Backends.list()) {
            System.out.printf(
                    "  %-10s %s%n",
                    s.name(),
                    s.available() ? "available: " + s.description() : "unavailable: " + s.unavailableReason());
        }
    }
}
