package dev.braid.store.internal.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link DirtyPages} against a {@link LinkedHashMap}: lookups, order, removal while iterating. */
class DirtyPagesTest {
    private static final class TestPage extends Page {
        TestPage(int pageNo) {
            super(pageNo);
        }

        @Override
        public int encodedSize() {
            return 0;
        }

        @Override
        public void encode(byte[] b) {
        }

        @Override
        public long heapBytes() {
            return 0;
        }
    }

    @Test
    void behavesLikeAnInsertionOrderedMap() {
        Random rnd = new Random(5);
        DirtyPages d = new DirtyPages();
        LinkedHashMap<Integer, Page> model = new LinkedHashMap<>();
        for (int op = 0; op < 200_000; op++) {
            int pageNo = 1 + rnd.nextInt(op < 100_000 ? 3_000 : 300);
            switch (rnd.nextInt(10)) {
                case 0, 1, 2, 3 -> {
                    Page p = new TestPage(pageNo);
                    model.remove(pageNo); // a replaced page goes to the end, as put does
                    model.put(pageNo, p);
                    d.put(p);
                }
                case 4, 5 -> assertSame(model.remove(pageNo), d.remove(pageNo));
                case 6 -> {
                    if (rnd.nextInt(500) == 0) {
                        model.clear();
                        d.clear();
                    }
                }
                case 7 -> { // drop the oldest few while iterating, as a spill does
                    Iterator<Page> it = d.values().iterator();
                    Iterator<Page> mit = model.values().iterator();
                    for (int k = rnd.nextInt(5); k > 0 && mit.hasNext(); k--) {
                        assertSame(mit.next(), it.next());
                        mit.remove();
                        it.remove();
                    }
                }
                default -> assertSame(model.get(pageNo), d.get(pageNo));
            }
            assertEquals(model.size(), d.size());
            if (op % 5_000 == 0) {
                assertEquals(new ArrayList<>(model.values()), new ArrayList<>(d.values()), "order at op " + op);
            }
        }
        List<Page> all = new ArrayList<>(d.values());
        assertEquals(new ArrayList<>(model.values()), all);
        for (Map.Entry<Integer, Page> e : model.entrySet()) {
            assertSame(e.getValue(), d.get(e.getKey()));
            assertEquals(true, d.containsKey(e.getKey()));
        }
    }
}
