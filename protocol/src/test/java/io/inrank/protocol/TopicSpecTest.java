package io.inrank.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TopicSpecTest {

    @Test
    void everyNamedTopicHasExactlyOneDeclaration() throws Exception {
        Set<String> named = new TreeSet<>();
        for (Field f : Topics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) named.add((String) f.get(null));
        }
        Set<String> declared = Topics.ALL.stream().map(TopicSpec::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(named, declared);
        assertEquals(Topics.ALL.size(), declared.size(), "no topic declared twice");
        assertThrows(IllegalArgumentException.class, () -> Topics.spec("inrank.nope"));
    }

    @Test
    void configsSayCleanupAndRetentionExplicitly() {
        assertEquals(
                Map.of("cleanup.policy", "compact"),
                Topics.spec(Topics.CHECKPOINTS).configs());
        assertEquals(
                Map.of("cleanup.policy", "delete", "retention.ms", "604800000"),
                Topics.spec(Topics.SPECTRA).configs());
        TopicSpec tokens = Topics.tokensSpec("sotu", "train");
        assertEquals("inrank.tokens.sotu.train", tokens.name());
        assertEquals(1, tokens.partitions());
        assertEquals(
                Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1"), tokens.configs());
        assertEquals(
                tokens.configs(), tokens.newTopic(java.util.Optional.empty()).configs());
    }
}
