package io.inrank.trainer.config;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.protocol.Messages;
import io.inrank.protocol.RunKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run key and missed-check settings: parsed once, from a flag, the env/config or a file; never printed. */
class RunKeySettingsTest {
    static final byte[] MASTER = RunKey.master("trainer-test-master-0123456789abcdef0123");

    @TempDir
    Path tmp;

    @Test
    void theKeyComesFromTheSettingOrAFileAndIsNeverPrinted() throws Exception {
        String hex = RunKey.derive(MASTER, "r1").hex();
        TrainSettings unsigned = SettingKeys.resolve(new String[] {"--run", "r1"}, k -> Optional.empty());
        assertNull(unsigned.runKey());
        assertFalse(unsigned.signed());
        assertEquals(3, unsigned.maxMissedChecks(), "default");

        Map<String, String> env = Map.of("inrank.train.run-key", hex, "inrank.train.max-missed-checks", "0");
        TrainSettings s = SettingKeys.resolve(new String[] {"--run", "r1"}, k -> Optional.ofNullable(env.get(k)));
        assertEquals(hex, s.runKey().hex());
        assertEquals(0, s.maxMissedChecks());
        String json = Messages.toJson(s, false);
        assertFalse(json.contains(hex) || s.toString().contains(hex), "the key is a secret: " + json);
        assertTrue(json.contains("\"runKey\":\"RunKey[r1]\""), json);
        assertEquals(
                "INRANK_TRAIN_RUN_KEY_FILE",
                SettingKeys.KEYS.stream()
                        .filter(k -> k.name().equals("run-key-file"))
                        .findFirst()
                        .orElseThrow()
                        .envName());

        Path f = tmp.resolve("run-key");
        Files.writeString(f, hex.toUpperCase() + "\n");
        TrainSettings fromFile = SettingKeys.resolve(
                new String[] {"--run", "r1", "--run-key-file", f.toString()}, k -> Optional.empty());
        assertEquals(hex, fromFile.runKey().hex());

        // the short env names, when no setting is given
        Map<String, String> shortEnv = Map.of("INRANK_RUN_KEY_FILE", f.toString());
        assertEquals(hex, SettingKeys.runKey("r1", "", "", shortEnv::get).hex());
        assertEquals(
                hex,
                SettingKeys.runKey("r1", "", "", Map.of("INRANK_RUN_KEY", hex)::get)
                        .hex());
        assertNull(SettingKeys.runKey("r1", "", "", k -> null));
        String other = RunKey.derive(MASTER, "x").hex();
        assertEquals(
                hex,
                SettingKeys.runKey("r1", hex, "", Map.of("INRANK_RUN_KEY", other)::get)
                        .hex(),
                "setting wins");
    }

    @Test
    void badKeysAreRefusedWithoutEchoingThem() throws Exception {
        String hex = RunKey.derive(MASTER, "r1").hex();
        Path f = tmp.resolve("run-key");
        Files.writeString(f, hex);
        assertMessage("set one, not both", "--run", "r1", "--run-key", hex, "--run-key-file", f.toString());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> SettingKeys.resolve(new String[] {"--run-key", "abc123"}, k -> Optional.empty()));
        assertTrue(e.getMessage().contains("--run-key: a run key is 64 hex characters"), e.getMessage());
        assertFalse(e.getMessage().contains("abc123"), e.getMessage());
        assertMessage(
                "--run-key-file: cannot read",
                "--run-key-file",
                tmp.resolve("nope").toString());
        assertMessage("max-missed-checks must be >= 0", "--max-missed-checks", "-1");
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SettingKeys.resolve(args, k -> Optional.empty()));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
