package dev.braid.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The demo's input: {@code lines} lines of five words each, drawn with a fixed seed from a few
 * frequent words and a long tail of {@code tailWords} rare ones ({@code w00000}, ...), and the exact
 * count of every word, to check the application's answers against. Immutable.
 */
public final class DemoInput {
    static final List<String> FREQUENT = List.of("kafka", "streams", "braid", "state", "store", "page",
            "log", "tree", "commit", "restore", "crash", "query", "changelog", "offset", "task", "topic");
    private static final int WORDS_PER_LINE = 5;

    private final List<String> lines;
    private final Map<String, Long> counts;

    private DemoInput(List<String> lines, Map<String, Long> counts) {
        this.lines = lines;
        this.counts = counts;
    }

    public static DemoInput generate(int lines, int tailWords, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(lines);
        Map<String, Long> counts = new HashMap<>();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            line.setLength(0);
            for (int w = 0; w < WORDS_PER_LINE; w++) {
                String word = random.nextInt(10) < 3
                        ? FREQUENT.get(random.nextInt(FREQUENT.size()))
                        : String.format("w%05d", (int) (tailWords * Math.pow(random.nextDouble(), 2)));
                counts.merge(word, 1L, Long::sum);
                line.append(w == 0 ? "" : " ").append(word);
            }
            out.add(line.toString());
        }
        return new DemoInput(List.copyOf(out), Map.copyOf(counts));
    }

    public List<String> lines() {
        return lines;
    }

    /** Every word's exact count. */
    public Map<String, Long> counts() {
        return counts;
    }

    public long words() {
        return (long) lines.size() * WORDS_PER_LINE;
    }
}
