package dev.braid.store;

import java.nio.file.Path;

/**
 * One problem found by {@link Braid#check()}: where it is (file and byte offset, or -1 when the
 * finding is about the structure as a whole) and what is wrong.
 */
public record IntegrityFinding(Path file, long offset, String problem) {
    @Override
    public String toString() {
        return file + (offset >= 0 ? "@" + offset : "") + ": " + problem;
    }
}
