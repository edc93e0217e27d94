package io.inrank.commands.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inrank.commands.BackendsCommand;
import io.inrank.model.backend.Backends;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The model's bench commands as the CLI runs them: options, generated help, exit codes, one JSON line each. */
class BenchCommandsTest {

    record Run(int code, String out, String err) {}

    static Run run(Object command, String... args) {
        CommandLine cl = command instanceof CommandLine c ? c : new CommandLine(command);
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** nd4j's own bench, as `inrank bench` finds it: through its provider, under the generated command line. */
    static CommandLine spectrum() {
        return BackendBenchCommand.of(Backends.benches().stream()
                .filter(b -> b.name().equals("spectrum"))
                .findFirst()
                .orElseThrow());
    }

    static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void helpNamesEachCommandAndShowsTheDefaults() {
        Run train = run(new TrainBench(), "--help");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().startsWith("Usage: train"), train.out());
        for (String s : List.of(
                "--backend",
                "--preset",
                "--mode",
                "--rank",
                "--batch",
                "--seq",
                "--steps",
                "--warmup",
                "--compare-full",
                "--with-torch",
                "(default: 3)",
                "(default: efficient-no-resize)")) assertTrue(train.out().contains(s), s + " in\n" + train.out());
        Run generate = run(new GenerateBench(), "--help");
        assertTrue(
                generate.out().startsWith("Usage: generate") && generate.out().contains("(default: 200)"),
                generate.out());
        Run attention = run(new AttentionBench(), "--help");
        assertTrue(
                attention.out().startsWith("Usage: attention")
                        && attention.out().contains("(default: 0.1)"),
                attention.out());
        Run spectrum = run(spectrum(), "--help");
        assertTrue(
                spectrum.out().startsWith("Usage: spectrum") && spectrum.out().contains("(default: 3072)"),
                spectrum.out());
        Run backends = run(new BackendsCommand(), "--help");
        assertTrue(backends.out().startsWith("Usage: backends"), backends.out());
    }

    @Test
    void valuesPicocliCannotCheckAreUsageErrors() {
        Run mode = run(new TrainBench(), "--mode", "half");
        assertEquals(2, mode.code());
        assertTrue(
                mode.err().startsWith("--mode: unknown mode 'half' (full, efficient-no-resize, efficient, cumulative"),
                mode.err());
        Run preset = run(new TrainBench(), "--preset", "huge");
        assertEquals(2, preset.code());
        assertTrue(preset.err().startsWith("--preset: unknown preset 'huge'"), preset.err());
        Run rank = run(new GenerateBench(), "--rank", "1000");
        assertEquals(2, rank.code());
        assertTrue(rank.err().startsWith("--rank 1000: above the largest rank of tiny (64)"), rank.err());
        Run k = run(spectrum(), "--in", "16", "--out", "32", "--k", "20");
        assertEquals(2, k.code());
        assertTrue(k.err().startsWith("--k 20: expected 1..16"), k.err());
        Run dropout = run(new AttentionBench(), "--dropout", "1");
        assertEquals(2, dropout.code());
        assertEquals(2, run(new TrainBench(), "--steps", "x").code());
        assertEquals(2, run(new TrainBench(), "--no-such-option").code());
        Run backend = run(new TrainBench(), "--backend", "abacus");
        assertEquals(2, backend.code());
        assertTrue(
                backend.err().startsWith("--backend abacus: no such backend here (found: nd4j, reference;"),
                backend.err());
        Run bf16 = run(new TrainBench(), "--backend", "nd4j", "--precision", "bf16");
        assertEquals(2, bf16.code());
        assertTrue(bf16.err().startsWith("--precision bf16: nd4j has no bf16 GEMMs (it has fp32)"), bf16.err());
        Run fp8 = run(new TrainBench(), "--precision", "fp8");
        assertEquals(2, fp8.code());
        assertTrue(fp8.err().startsWith("--precision: expected fp32, tf32 or bf16, got 'fp8'"), fp8.err());
    }

    @Test
    void trainPrintsOneJsonLine() {
        Run r = run(
                new TrainBench(), "--backend", "nd4j", "--batch", "1", "--seq", "8", "--steps", "1", "--warmup", "0");
        assertEquals(0, r.code(), r.err());
        List<String> lines = lines(r.out());
        assertEquals(1, lines.size(), r.out());
        assertTrue(
                lines.get(0)
                        .startsWith(
                                "{\"bench\":\"train\",\"impl\":\"nd4j\",\"preset\":\"tiny\",\"mode\":\"efficient-no-resize\""),
                lines.get(0));
    }

    @Test
    void compareFullAddsTheFullRunAndTheRatios() {
        Run r = run(
                new TrainBench(),
                "--rank",
                "8",
                "--batch",
                "1",
                "--seq",
                "8",
                "--steps",
                "1",
                "--warmup",
                "0",
                "--compare-full");
        assertEquals(0, r.code(), r.err());
        List<String> lines = lines(r.out());
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(1).contains("\"mode\":\"full\""), lines.get(1));
        assertTrue(lines.get(2).startsWith("{\"bench\":\"train-vs-full\""), lines.get(2));
    }

    @Test
    void generateAttentionAndSpectrumPrintOneJsonLineEach() {
        Run g = run(new GenerateBench(), "--rank", "8", "--tokens", "4");
        assertEquals(0, g.code(), g.err());
        assertEquals(1, lines(g.out()).size(), g.out());
        assertTrue(
                g.out().startsWith("{\"bench\":\"generate\"") && g.out().contains("\"rank\":8,\"tokens\":4"), g.out());
        Run a = run(
                new AttentionBench(), "--batch", "1", "--heads", "2", "--seq", "8", "--head-dim", "4", "--reps", "2");
        assertEquals(0, a.code(), a.err());
        assertEquals(1, lines(a.out()).size(), a.out());
        assertTrue(a.out().startsWith("{\"bench\":\"attention\"") && a.out().contains("\"dropout\":0.10"), a.out());
        Run s = run(spectrum(), "--in", "16", "--out", "32", "--k", "8", "--reps", "1");
        assertEquals(0, s.code(), s.err());
        assertEquals(1, lines(s.out()).size(), s.out());
        assertTrue(s.out().startsWith("{\"bench\":\"spectrum\"") && s.out().contains("\"k\":8"), s.out());
    }

    @Test
    void backendsListsEveryBackendFound() {
        Run r = run(new BackendsCommand());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("backends (--backend NAME or INRANK_BACKEND; default now: "), r.out());
        // the backends on this module's class path (cuda's module is not: the list is what providers declare)
        for (String n : List.of("nd4j", "reference")) assertTrue(r.out().contains("  " + n + " "), r.out());
        assertTrue(r.out().contains("precisions: [fp32]"), r.out());
        assertEquals(2, run(new BackendsCommand(), "--check", "nd4j").code());
    }

    @Test
    void torchReferenceGetsTheRepositoryScriptAndAllProcessors() {
        List<String> cmd = TorchReference.command(Path.of("/repo"), "torch_reference.py", List.of("--preset", "tiny"));
        assertEquals(
                List.of(
                        "/usr/bin/python3",
                        "/repo/bench/torch_reference.py",
                        "--preset",
                        "tiny",
                        "--threads",
                        "" + Runtime.getRuntime().availableProcessors()),
                cmd);
    }

    /** --with-torch runs bench/ under inrank.home on the resolved config and returns the script's exit code. */
    @Test
    void withTorchRunsTheReferenceOnTheSameConfigAndPropagatesItsExitCode(@TempDir Path home) throws Exception {
        assumeTrue(Files.isExecutable(Path.of(TorchReference.PYTHON)), "no " + TorchReference.PYTHON);
        Files.createDirectories(home.resolve("bench"));
        Path args = home.resolve("args.txt");
        String fake =
                "import sys\nopen(%s, 'w').write(' '.join(sys.argv[1:]))\nsys.exit(5)\n".formatted("'" + args + "'");
        Files.writeString(home.resolve("bench/torch_reference.py"), fake);
        Files.writeString(home.resolve("bench/torch_generate.py"), fake);
        String before = System.getProperty("inrank.home");
        System.setProperty("inrank.home", home.toString());
        try {
            Run train = run(
                    new TrainBench(), "--batch", "1", "--seq", "8", "--steps", "1", "--warmup", "0", "--with-torch");
            assertEquals(5, train.code(), train.err());
            assertEquals(1, lines(train.out()).size(), train.out());
            String threads = "--threads " + Runtime.getRuntime().availableProcessors();
            assertEquals(
                    "--preset tiny --mode efficient-no-resize --rank -1 --batch 1 --seq 8 --steps 1 --warmup 0 "
                            + threads,
                    Files.readString(args));
            Run generate = run(new GenerateBench(), "--tokens", "2", "--with-torch");
            assertEquals(5, generate.code(), generate.err());
            assertEquals("--preset tiny --rank 42 --tokens 2 " + threads, Files.readString(args));

            Files.delete(home.resolve("bench/torch_generate.py"));
            Run missing = run(new GenerateBench(), "--tokens", "2", "--with-torch");
            assertEquals(1, missing.code());
            assertTrue(
                    missing.err().contains("--with-torch: no " + home.resolve("bench/torch_generate.py")),
                    missing.err());
        } finally {
            if (before == null) System.clearProperty("inrank.home");
            else System.setProperty("inrank.home", before);
        }
    }
}
