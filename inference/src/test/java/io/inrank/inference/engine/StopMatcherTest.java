package io.inrank.inference.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void cutsBeforeAStopThatSpansDeltasAndNeverSendsPartOfIt() {
        StopMatcher m = new StopMatcher(List.of("END", "\n\n"));
        StringBuilder sent = new StringBuilder();
        for (String d : List.of("Hello wor", "ld. E", "N", "D and more")) {
            sent.append(m.push(d));
            assertFalse(
                    sent.toString().contains("E")
                            && !m.stopped()
                            && sent.toString().endsWith("E"),
                    "a stop prefix is held back");
        }
        assertTrue(m.stopped());
        assertEquals("Hello world. ", sent.toString());
        assertEquals("Hello world. ", m.text());
        assertEquals("", m.push("more"));
    }

    @Test
    void theEarliestOfSeveralStopsWinsEvenInsideOneDelta() {
        StopMatcher m = new StopMatcher(List.of("c", "ab"));
        assertEquals("x", m.push("xabc"));
        assertEquals("x", m.text());
    }

    @Test
    void withoutAMatchEverythingIsSentByTheEnd() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        String a = m.push("ST"), b = m.push("OR"), c = m.push("Y"), d = m.finish();
        assertEquals("STORY", a + b + c + d);
        assertFalse(m.stopped());
        StopMatcher none = new StopMatcher(List.of());
        assertEquals("abc", none.push("abc"));
    }
}
