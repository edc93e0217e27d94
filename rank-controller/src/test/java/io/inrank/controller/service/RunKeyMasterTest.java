package io.inrank.controller.service;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.protocol.RunKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-key master settings: the value or a file (read once), never both, never echoed in an error. */
class RunKeyMasterTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef-secret";

    @TempDir
    Path tmp;

    @Test
    void fromTheValueOrAFileWithItsNewline() throws Exception {
        assertTrue(ControllerService.master(Optional.empty(), Optional.empty()).isEmpty(), "unset: not isolated");
        assertTrue(ControllerService.master(Optional.of(" "), Optional.of("")).isEmpty(), "blank is unset");
        assertArrayEquals(
                RunKey.master(SECRET),
                ControllerService.master(Optional.of(SECRET), Optional.empty()).orElseThrow());
        Path f = tmp.resolve("master");
        Files.writeString(f, SECRET + "\n");
        assertArrayEquals(
                RunKey.master(SECRET),
                ControllerService.master(Optional.empty(), Optional.of(f.toString()))
                        .orElseThrow());
    }

    @Test
    void bothAShortOneOrAMissingFileAreRefusedWithoutTheSecret() throws Exception {
        Path f = tmp.resolve("master");
        Files.writeString(f, SECRET);
        var both = assertThrows(
                IllegalArgumentException.class,
                () -> ControllerService.master(Optional.of(SECRET), Optional.of(f.toString())));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        var shortOne = assertThrows(
                IllegalArgumentException.class, () -> ControllerService.master(Optional.of("short"), Optional.empty()));
        assertTrue(shortOne.getMessage().startsWith("inrank.controller.run-key-master: "), shortOne.getMessage());
        Files.writeString(f, "tiny\n");
        var shortFile = assertThrows(
                IllegalArgumentException.class,
                () -> ControllerService.master(Optional.empty(), Optional.of(f.toString())));
        assertTrue(shortFile.getMessage().contains("at least 32 bytes"), shortFile.getMessage());
        assertFalse(shortFile.getMessage().contains("tiny"), "never the secret");
        var missing = assertThrows(
                IllegalArgumentException.class,
                () -> ControllerService.master(
                        Optional.empty(), Optional.of(tmp.resolve("nope").toString())));
        assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
    }
}
