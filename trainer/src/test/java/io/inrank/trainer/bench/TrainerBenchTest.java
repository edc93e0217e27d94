package io.inrank.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.commands.Commands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code inrank bench trainer}'s options; the arms themselves need a broker (the pipeline ITs). */
class TrainerBenchTest {

    record Run(int code, String out, String err) {}

    static Run run(Object command, String... args) {
        CommandLine cl = Commands.commandLine(command);
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void eachArmGetsThisRunsResolvedOptions() {
        TrainerBench b = new TrainerBench();
        new CommandLine(b)
                .parseArgs(
                        "--bootstrap",
                        "h:1",
                        "--backend",
                        "reference",
                        "--seq",
                        "64",
                        "--rank-checks",
                        "--rounds",
                        "3");
        assertEquals(
                List.of(
                        "--bootstrap",
                        "h:1",
                        "--backend",
                        "reference",
                        "--precision",
                        "fp32",
                        "--dataset",
                        "sotu128",
                        "--preset",
                        "tiny",
                        "--batch",
                        "8",
                        "--seq",
                        "64",
                        "--steps",
                        "40",
                        "--warmup",
                        "5",
                        "--checkpoint-every",
                        "20",
                        "--rank-checks",
                        "--arm",
                        "service"),
                b.armArgs("service"));
    }

    @Test
    void theBareArmRunsTheModelBench() {
        Run r = run(
                new TrainerBench(),
                "--bootstrap",
                "localhost:1",
                "--arm",
                "bare",
                "--backend",
                "nd4j",
                "--batch",
                "1",
                "--seq",
                "8",
                "--steps",
                "1",
                "--warmup",
                "0");
        assertEquals(Commands.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("{\"bench\":\"train\",\"impl\":\"nd4j\""), r.out());
    }

    @Test
    void usageErrorsExit2() {
        Run noBroker = run(new TrainerBench());
        assertEquals(Commands.USAGE, noBroker.code());
        assertTrue(noBroker.err().contains("--bootstrap"), noBroker.err());
        Run arm = run(new TrainerBench(), "--bootstrap", "h:1", "--arm", "neither");
        assertEquals(Commands.USAGE, arm.code());
        assertTrue(arm.err().startsWith("error: --arm: expected one of both, bare, service"), arm.err());
        assertEquals(
                Commands.USAGE,
                run(new TrainerBench(), "--bootstrap", "h:1", "--steps", "0").code());
        assertEquals(
                Commands.USAGE,
                run(new TrainerBench(), "--bootstrap", "h:1", "--backend", "abacus")
                        .code());
        Run help = run(new TrainerBench(), "--help");
        assertEquals(Commands.OK, help.code());
        assertTrue(help.out().startsWith("Usage: trainer") && help.out().contains("(default: sotu128)"), help.out());
    }
}
