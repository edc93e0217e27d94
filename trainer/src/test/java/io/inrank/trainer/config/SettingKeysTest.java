package io.inrank.trainer.config;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.GptConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SettingKeysTest {
    @Test
    void theModelsVocabularyIsTheWireFormats() {
        // token ids come off Kafka (protocol) and index the model's embedding (model): one vocabulary
        assertEquals(io.inrank.protocol.TokenBlocks.GPT2_VOCAB, GptConfig.GPT2_VOCAB);
        for (String p : java.util.List.of("tiny", "cpu-small", "gpt2-small", "gpt2-medium", "gpt2-large"))
            assertEquals(
                    GptConfig.GPT2_VOCAB,
                    GptConfig.preset(p, GptConfig.Mode.FULL).vocab(),
                    p);
    }

    @Test
    void flagsBeatConfigWhichBeatsDefaults() {
        Map<String, String> config =
                Map.of("inrank.train.steps", "77", "inrank.train.batch", "3", "kafka.bootstrap.servers", "k:1");
        TrainSettings s = SettingKeys.resolve(
                new String[] {"--batch", "5", "--mode=efficient"}, k -> Optional.ofNullable(config.get(k)));
        assertEquals(5, s.batch(), "flag");
        assertEquals(77, s.steps(), "config");
        assertEquals(128, s.seq(), "default");
        assertEquals(GptConfig.Mode.INRANK_EFFICIENT, s.mode());
        assertEquals("k:1", s.kafka().bootstrap());
        assertEquals(2, s.evalSplits().size());
    }

    @Test
    void everyKeyHasAnEnvNameAndHelp() {
        assertEquals(
                "INRANK_TRAIN_DECISION_TIMEOUT_MS",
                SettingKeys.KEYS.stream()
                        .filter(k -> k.name().equals("decision-timeout-ms"))
                        .findFirst()
                        .orElseThrow()
                        .envName());
        String help = SettingKeys.help();
        for (SettingKeys.Key k : SettingKeys.KEYS) assertTrue(help.contains("--" + k.name()), k.name());
        // the defaults themselves are valid settings
        assertDoesNotThrow(
                () -> SettingKeys.resolve(new String[0], k -> Optional.empty()).model());
    }

    @Test
    void badInputIsNamed() {
        assertMessage("unknown flag --stpes", "--stpes", "3");
        assertMessage("--steps: not an integer: ten", "--steps", "ten");
        assertMessage(
                "--mode: unknown mode 'lora' (full, efficient-no-resize, efficient, cumulative", "--mode", "lora");
        assertMessage("--mode: mode 'inrank' was renamed: say 'efficient-no-resize'", "--mode", "inrank");
        assertMessage("alpha must be in (0, 1)", "--alpha", "1.5");
        assertMessage("--batch needs a value", "--batch");
        assertMessage("run must be", "--run", "a b");
        assertMessage("--fixed-ranks: not a list of integers: 4,x", "--fixed-ranks", "4,x");
        assertMessage("fixed-ranks needs a low-rank mode", "--mode", "full", "--fixed-ranks", "4,4,4,4");
        assertMessage("fixed-ranks must all be >= 1", "--fixed-ranks", "4,0,4,4");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> SettingKeys.resolve(new String[] {"--seq", "4096"}, k -> Optional.empty())
                        .model());
        assertTrue(e.getMessage().contains("exceeds the context of preset tiny (128)"), e.getMessage());
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SettingKeys.resolve(args, k -> Optional.empty()));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void replicasComeFromTheSettingElseTheLauncherElseKubernetes() {
        java.util.Map<String, String> set =
                new java.util.HashMap<>(java.util.Map.of("rendezvous-timeout-ms", "5000", "allreduce-bucket-mb", "25"));
        java.util.function.Function<String, String> v = k -> set.getOrDefault(k, "");
        assertEquals(new Replicas(1, 0, 5000, 25), SettingKeys.replicas(v, k -> null));
        assertEquals(
                new Replicas(4, 3, 5000, 25),
                SettingKeys.replicas(v, java.util.Map.of("INRANK_WORLD_SIZE", "4", "JOB_COMPLETION_INDEX", "3")::get));
        assertEquals(
                new Replicas(4, 2, 5000, 25),
                SettingKeys.replicas(
                        v,
                        java.util.Map.of("INRANK_WORLD_SIZE", "4", "INRANK_RANK", "2", "JOB_COMPLETION_INDEX", "3")
                                ::get));
        set.put("world-size", "2");
        set.put("replica", "1");
        assertEquals(
                new Replicas(2, 1, 5000, 25), SettingKeys.replicas(v, java.util.Map.of("INRANK_WORLD_SIZE", "8")::get));
        set.put("replica", "2");
        assertEquals(
                "replica must be 0..1 for world-size 2, got 2",
                assertThrows(IllegalArgumentException.class, () -> SettingKeys.replicas(v, k -> null))
                        .getMessage());
    }

    @Test
    void theAllReduceBucketIsAFiniteSizeInMiB() {
        java.util.Map<String, String> set = new java.util.HashMap<>(
                java.util.Map.of("rendezvous-timeout-ms", "5000", "allreduce-bucket-mb", "0.5"));
        java.util.function.Function<String, String> v = k -> set.getOrDefault(k, "");
        assertEquals(1L << 19, SettingKeys.replicas(v, k -> null).bucketBytes());
        set.put("allreduce-bucket-mb", "0");
        assertEquals(Long.MAX_VALUE, SettingKeys.replicas(v, k -> null).bucketBytes(), "0: one bucket");
        for (String bad : new String[] {"NaN", "-1", "Infinity", "1025"}) {
            set.put("allreduce-bucket-mb", bad);
            assertTrue(
                    assertThrows(IllegalArgumentException.class, () -> SettingKeys.replicas(v, k -> null))
                            .getMessage()
                            .startsWith("allreduce-bucket-mb must be 0..1024"),
                    bad);
        }
        set.put("allreduce-bucket-mb", "25MB");
        assertEquals(
                "--allreduce-bucket-mb: not a number: 25MB",
                assertThrows(IllegalArgumentException.class, () -> SettingKeys.replicas(v, k -> null))
                        .getMessage());
    }
}
