package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.cli.launch.JvmSettings;
import io.inrank.cli.launch.Layout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The command tree itself: what it lists, generated help, one name per shared option, the documented exit codes. */
class CommandTreeTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Inrank.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryCommand() {
        Run r = run("--help");
        assertEquals(0, r.code());
        for (String c : List.of(
                "demo", "kafka", "ingest", "rank-controller", "train", "serve", "generate", "backends", "bench")) {
            assertTrue(r.out().contains("  " + c + " "), c + " missing from:\n" + r.out());
        }
        assertTrue(r.out().contains("Exit codes: 0 done, 1 bad input, 2 usage"), r.out());
    }

    @Test
    void everyCommandWithItsOwnOptionsHasGeneratedHelp() {
        for (CommandSpec c : all(Inrank.commandLine().getCommandSpec())) {
            if (c.findOption("--help") == null || c.parent() == null) continue;
            if (c.userObject() instanceof CommandLine.HelpCommand) continue;
            Run r = run(path(c, "--help"));
            assertEquals(0, r.code(), c.qualifiedName() + " --help: " + r.err());
            assertTrue(r.out().startsWith("Usage: " + c.qualifiedName()), c.qualifiedName() + ":\n" + r.out());
        }
    }

    /** Shared concepts keep one spelling: a user learns --bootstrap, --backend, --port once. */
    @Test
    void sharedOptionsHaveOneName() {
        Set<String> allowed = Set.of("--bootstrap", "--backend", "--port", "--kafka-property");
        Set<String> seen = new TreeSet<>();
        for (CommandSpec c : all(Inrank.commandLine().getCommandSpec())) {
            for (OptionSpec o : c.options()) {
                for (String n : o.names()) {
                    if (n.matches(".*(boot|backend|port|kafka).*") && !n.equals("--keep-serving")) {
                        assertTrue(allowed.contains(n), c.qualifiedName() + " spells a shared option " + n);
                        seen.add(n);
                    }
                }
            }
        }
        assertEquals(allowed, seen);
    }

    @Test
    void exitCodes() {
        assertEquals(2, run("serve", "--no-such-option").code(), "unknown option");
        assertEquals(2, run("bench").code(), "missing subcommand");
        assertEquals(2, run("no-such-command").code());
        Run bad = run("bench", "train", "--backend", "no-such-backend");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("no-such-backend"), bad.err());
        Run cuda = run("serve", "--backend", "cuda");
        assertEquals(2, cuda.code(), "cuda has no driver on the build machine: " + cuda.err());
        Run preset = run("bench", "train", "--preset", "no-such-preset", "--steps", "1", "--warmup", "0");
        assertEquals(2, preset.code(), "a value no preset has is a usage error: " + preset.err());
        assertTrue(preset.err().startsWith("error: --preset: unknown preset 'no-such-preset'"), preset.err());
        // bad input (exit 1) is exercised where files are read: CommandsIT
    }

    @Test
    void jvmSettingsComeFromTheRepositoryFile() {
        JvmSettings s = JvmSettings.local(Layout.current().home());
        assertTrue(
                s.flags().contains("--add-modules=jdk.incubator.vector"),
                s.flags().toString());
        assertTrue(s.flags().stream().anyMatch(f -> f.startsWith("-Dorg.bytedeco.javacpp.maxbytes=")));
        assertTrue(s.env().containsKey("MALLOC_ARENA_MAX"));
        JvmSettings t = JvmSettings.test(Layout.current().home());
        assertTrue(t.flags().contains("-Xmx2g"), t.flags().toString());
    }

    static List<CommandSpec> all(CommandSpec root) {
        List<CommandSpec> out = new ArrayList<>(List.of(root));
        for (CommandLine sub : root.subcommands().values()) {
            if (!out.contains(sub.getCommandSpec())) out.addAll(all(sub.getCommandSpec()));
        }
        return out.stream().distinct().toList();
    }

    static String[] path(CommandSpec c, String... tail) {
        List<String> names = new ArrayList<>();
        for (CommandSpec s = c; s.parent() != null; s = s.parent()) names.add(0, s.name());
        names.addAll(List.of(tail));
        return names.toArray(String[]::new);
    }
}
