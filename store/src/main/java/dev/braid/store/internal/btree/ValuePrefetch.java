package dev.braid.store.internal.btree;

import java.io.IOException;

/**
 * The values of a scan's next entries in one leaf, read together ({@link BlobStore#readValues}):
 * a scan over values on pages of their own would otherwise read one page at a time. When the scan
 * reaches an entry whose value is on its own page and not read yet, the values of that entry and
 * the following ones of the leaf (in the scan's direction) are read, as many as the batch still
 * takes. One scan batch, one thread.
 */
final class ValuePrefetch {
    private final BlobStore blobs;
    private LeafNode leaf;
    private int from; // index of refs[0] in the leaf
    private int step;
    private int count;
    private BlobRef[] refs = new BlobRef[0];
    private byte[][] values = new byte[0][];

    ValuePrefetch(BlobStore blobs) {
        this.blobs = blobs;
    }

    /**
     * A copy of the value of entry {@code pos} of {@code leaf}, the scan moving {@code step} (1 or
     * -1); {@code entries} and {@code bytes}: what the batch takes at most from here on;
     * {@code bound}: the range's end in that direction (null: none), {@code inclusive} or not.
     */
    byte[] value(LeafNode leaf, int pos, int step, int entries, long bytes, byte[] bound, boolean inclusive)
            throws IOException {
        if (leaf == this.leaf && step == this.step) {
            int k = (pos - from) * step;
            if (k >= 0 && k < count && values[k] != null) {
                byte[] v = values[k];
                values[k] = null;
                return v;
            }
        }
        if (!(leaf.value(pos) instanceof BlobRef ref) || !ref.direct()) {
            return leaf.valueCopy(pos, blobs);
        }
        fill(leaf, pos, step, entries, bytes, bound, inclusive);
        byte[] v = values[0];
        values[0] = null;
        return v != null ? v : leaf.valueCopy(pos, blobs);
    }

    private void fill(LeafNode leaf, int pos, int step, int entries, long bytes, byte[] bound, boolean inclusive)
            throws IOException {
        int end = step > 0 ? leaf.n - 1 : 0; // the last entry of the leaf in range, in the scan's direction
        if (bound != null) {
            int s = leaf.search(bound);
            end = step > 0 ? Math.min(end, s >= 0 ? (inclusive ? s : s - 1) : -(s + 1) - 1)
                    : Math.max(end, s >= 0 ? (inclusive ? s : s + 1) : -(s + 1));
        }
        int n = 0;
        long sum = 0;
        int max = Math.max(1, Math.min(entries, (end - pos) * step + 1));
        if (refs.length < max) {
            refs = new BlobRef[max];
            values = new byte[max][];
        }
        for (int i = pos; n < max && (n == 0 || sum < bytes); i += step) {
            Object v = leaf.value(i);
            BlobRef ref = v instanceof BlobRef r && r.direct() ? r : null;
            refs[n] = ref;
            values[n] = null;
            sum += ref != null ? ref.length() : ((v instanceof byte[] b) ? b.length : 0);
            n++;
        }
        blobs.readValues(refs, values, n);
        java.util.Arrays.fill(refs, 0, n, null);
        this.leaf = leaf;
        this.from = pos;
        this.step = step;
        this.count = n;
    }
}
