package io.inrank.trainer.replicas;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.trainer.config.Replicas;
import io.inrank.trainer.replicas.Rendezvous.Message;
import org.junit.jupiter.api.Test;

/** What a replica takes from the rendezvous topic: only this run's well-formed records under their own keys. */
class RendezvousTest {
    static final Replicas TWO = new Replicas(2, 1, 1000, 25);
    static final String ID = "ab".repeat(128);

    static String refusal(Message m, String key) {
        return assertThrows(IllegalArgumentException.class, () -> Rendezvous.check(m, key, "r", TWO))
                .getMessage();
    }

    @Test
    void wellFormedRecordsAreTaken() {
        assertEquals(
                "offer",
                Rendezvous.check(new Message("r", "offer", 2, 0, ID), "r/offer", "r", TWO)
                        .kind());
        assertEquals(
                1,
                Rendezvous.check(new Message("r", "hello", 2, 1, null), "r/hello/1", "r", TWO)
                        .replica());
        assertEquals(
                "start",
                Rendezvous.check(new Message("r", "start", 2, 0, null), "r/start", "r", TWO)
                        .kind());
    }

    @Test
    void anythingElseIsRefusedSayingWhy() {
        assertEquals("not a rendezvous record of run r", refusal(new Message("other", "offer", 2, 0, ID), "r/offer"));
        assertEquals("a offer under the key r/hello/1", refusal(new Message("r", "offer", 2, 0, ID), "r/hello/1"));
        assertEquals(
                "a offer for world size 4, this replica has 2",
                refusal(new Message("r", "offer", 4, 0, ID), "r/offer"));
        assertEquals(
                "the offer's id is not 128 bytes of hex",
                refusal(new Message("r", "offer", 2, 0, "../etc"), "r/offer"));
        assertEquals("a hello from replica 7", refusal(new Message("r", "hello", 2, 7, null), "r/hello/7"));
        assertEquals("unknown rendezvous kind boom", refusal(new Message("r", "boom", 2, 0, null), "r/boom"));
    }
}
