package dev.braid.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The expected final state of a {@link SequenceApp} run over a {@link SequenceInput}: every key's
 * tally and every key's output. Exactly-once: each key applied 1..n once, in order, and output 1..n
 * once. At-least-once: no gap, every number applied, replays allowed. Stateless.
 */
final class StateCheck {
    private StateCheck() {
    }

    /** Checks the tallies (store contents: key to encoded {@link Tally}). */
    static void tallies(Map<String, String> state, SequenceInput input, boolean exactlyOnce) {
        assertEquals(new TreeSet<>(input.keys()), new TreeSet<>(state.keySet()), "the keys of the store");
        List<String> wrong = new ArrayList<>();
        long replays = 0;
        for (String key : input.keys()) {
            Tally t = Tally.decode(state.get(key));
            boolean ok = t.last() == input.perKey() && t.applied() == input.perKey() && t.gaps() == 0
                    && (!exactlyOnce || t.dups() == 0);
            if (!ok) {
                wrong.add(key + "=" + t);
            }
            replays += t.dups();
        }
        if (!wrong.isEmpty()) {
            fail(wrong.size() + " of " + input.keys().size() + " tallies wrong (expected last=applied="
                    + input.perKey() + ", no gap" + (exactlyOnce ? ", no replay" : "") + "), e.g. "
                    + wrong.subList(0, Math.min(5, wrong.size())));
        }
        System.out.printf("tallies right for %d keys x %d; %d replays seen%n", input.keys().size(), input.perKey(),
                replays);
    }

    /** Checks the output topic: per key every number once (exactly-once) or at least once, in order. */
    static void output(List<ConsumerRecord<String, Long>> records, SequenceInput input, boolean exactlyOnce) {
        Map<String, List<Long>> byKey = new HashMap<>();
        records.forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
        List<String> wrong = new ArrayList<>();
        for (String key : input.keys()) {
            List<Long> seen = byKey.getOrDefault(key, List.of());
            long expect = 1;
            boolean ok = true;
            for (long s : seen) {
                if (s == expect) {
                    expect++;
                } else if (exactlyOnce || s > expect) {
                    ok = false; // a duplicate under exactly-once, or a number skipped
                }
            }
            if (!ok || expect != input.perKey() + 1) {
                wrong.add(key + " " + (seen.size() > 12 ? seen.subList(0, 12) + "..." : seen));
            }
        }
        if (!wrong.isEmpty()) {
            fail(wrong.size() + " keys with a wrong output sequence, e.g. " + wrong.subList(0, Math.min(3, wrong.size())));
        }
    }
}
