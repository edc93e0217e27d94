package io.inrank.ingest.source;

import java.nio.file.Path;

/**
 * One input named in the manifest: a file, or an entry inside an archive ({@code name} then reads
 * {@code archive.zip!entry}, and {@code file} is the archive, whose bytes are hashed).
 */
public record SourceRef(String name, Path file) {}
