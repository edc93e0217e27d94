package io.inrank.commands;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The two {@code --bootstrap} mixins as a command sees them: the value, the default, and bad addresses as usage errors. */
class BrokerOptionTest {
    @Command(name = "talks")
    static final class Talks implements Callable<Integer> {
        @Mixin
        BrokerOption broker;

        String seen;

        @Override
        public Integer call() {
            seen = broker.servers();
            return Commands.OK;
        }
    }

    @Command(name = "starts")
    static final class Starts implements Callable<Integer> {
        @Mixin
        LocalBrokerOption broker;

        Optional<String> seen;

        @Override
        public Integer call() {
            seen = broker.servers();
            return Commands.OK;
        }
    }

    static int run(Object command, StringWriter err, String... args) {
        CommandLine cl = Commands.commandLine(command);
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    // The env default is KAFKA_BOOTSTRAP_SERVERS: these expectations hold where it is unset (CI, a developer's shell).
    boolean envUnset() {
        return System.getenv(BrokerOption.ENV) == null;
    }

    @Test
    void aNamedBrokerIsTakenAsGiven() {
        Talks t = new Talks();
        assertEquals(Commands.OK, run(t, new StringWriter(), "--bootstrap", "kafka-0:9093,kafka-1:9093"));
        assertEquals("kafka-0:9093,kafka-1:9093", t.seen);
        Starts s = new Starts();
        assertEquals(Commands.OK, run(s, new StringWriter(), "--bootstrap", "SASL_SSL://kafka:9093"));
        assertEquals(Optional.of("SASL_SSL://kafka:9093"), s.seen);
    }

    @Test
    void withoutOneTheDefaultsDiffer() {
        if (!envUnset()) return;
        Talks t = new Talks();
        assertEquals(Commands.OK, run(t, new StringWriter()));
        assertEquals("localhost:9092", t.seen);
        Starts s = new Starts();
        assertEquals(Commands.OK, run(s, new StringWriter()));
        assertEquals(Optional.empty(), s.seen);
    }

    @Test
    void anAddressKafkaCannotReadIsAUsageErrorNamingTheEntry() {
        for (Object command : new Object[] {new Talks(), new Starts()}) {
            StringWriter err = new StringWriter();
            assertEquals(Commands.USAGE, run(command, err, "--bootstrap", "localhost:9092,broker2"));
            assertTrue(
                    err.toString().contains("--bootstrap: 'broker2' in localhost:9092,broker2 is not HOST:PORT"),
                    err.toString());
            err = new StringWriter();
            assertEquals(Commands.USAGE, run(command, err, "--bootstrap", "localhost:90920"));
            assertTrue(err.toString().contains("port 90920 is not 1-65535"), err.toString());
        }
    }
}
