package dev.braid.store.internal.mergetree;

import dev.braid.store.internal.format.Bytes;
import java.util.Arrays;

/**
 * The write buffer's storage: records appended to large byte chunks, so that a blind write costs
 * one copy into a chunk and no object per entry (nothing for the garbage collector to trace or
 * promote while a restore streams millions of records through). A record is
 * {@code [keyLen:int][valueLen:int, -1 for a delete][key][value]}, named by its number in write
 * order; records are never changed or removed, a newer record of the same key supersedes an older
 * one. Not thread safe: appended by the writer, read by readers while no append runs.
 */
final class Arena {
    /** Size of a shared chunk; a record larger than a quarter of it gets a chunk of its own. */
    static final int CHUNK = 1 << 20;
    private static final int HEADER = 8;

    private byte[][] chunks = new byte[8][];
    private int chunkCount;
    private byte[] cur;
    private int curIndex;
    private int curPos;
    private long[] refs = new long[1024]; // chunk index << 32 | offset of the record's header
    private long[] heads = new long[1024]; // the first eight key bytes of each record (window, depth 0)
    private int count;
    private long chunkBytes;

    /** Appends a record ({@code value} null for a delete) and returns its number. */
    int append(byte[] key, byte[] value) {
        int vlen = value == null ? 0 : value.length;
        int size = HEADER + key.length + vlen;
        byte[] c;
        int chunk;
        int off;
        if (size > CHUNK / 4) {
            c = newChunk(size); // the shared chunk stays current
            chunk = chunkCount - 1;
            off = 0;
        } else {
            if (cur == null || curPos + size > cur.length) {
                cur = newChunk(CHUNK);
                curIndex = chunkCount - 1;
                curPos = 0;
            }
            c = cur;
            chunk = curIndex;
            off = curPos;
            curPos += size;
        }
        Bytes.putInt(c, off, key.length);
        Bytes.putInt(c, off + 4, value == null ? -1 : vlen);
        System.arraycopy(key, 0, c, off + HEADER, key.length);
        if (vlen > 0) {
            System.arraycopy(value, 0, c, off + HEADER + key.length, vlen);
        }
        if (count == refs.length) {
            refs = Arrays.copyOf(refs, count * 2);
            heads = Arrays.copyOf(heads, count * 2);
        }
        refs[count] = (long) chunk << 32 | off;
        heads[count] = Bytes.window(key, 0, key.length); // the sort reads these, not the scattered records
        return count++;
    }

    private byte[] newChunk(int size) {
        if (chunkCount == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
        }
        byte[] c = new byte[size];
        chunks[chunkCount++] = c;
        chunkBytes += size;
        return c;
    }

    /** Loads the table entry of {@code rec} into the cache; returns something of it. */
    long touchRef(int rec) {
        return refs[rec];
    }

    /** Loads the cache lines of record {@code rec} (header, key, value); returns something of them. */
    int touch(int rec) {
        byte[] c = chunk(rec);
        int off = off(rec);
        int last = Math.min(c.length - 1, off + HEADER + 255);
        return c[off] + c[Math.min(last, off + 64)] + c[Math.min(last, off + 128)];
    }

    int count() {
        return count;
    }

    /** Heap bytes held: the chunks and the record table. */
    long heapBytes() {
        return chunkBytes + refs.length * 16L;
    }

    byte[] chunk(int rec) {
        return chunks[(int) (refs[rec] >>> 32)];
    }

    private int off(int rec) {
        return (int) refs[rec];
    }

    int keyOff(int rec) {
        return off(rec) + HEADER;
    }

    int keyLen(int rec) {
        return Bytes.getInt(chunk(rec), off(rec));
    }

    /** The value's length, -1 for a delete. */
    int valueLen(int rec) {
        return Bytes.getInt(chunk(rec), off(rec) + 4);
    }

    int valueOff(int rec) {
        return keyOff(rec) + keyLen(rec);
    }

    byte[] key(int rec) {
        int o = keyOff(rec);
        return Arrays.copyOfRange(chunk(rec), o, o + keyLen(rec));
    }

    /** A copy of the value, {@link WriteBuffer#TOMBSTONE} for a delete. */
    byte[] value(int rec) {
        int len = valueLen(rec);
        if (len < 0) {
            return WriteBuffer.TOMBSTONE;
        }
        int o = valueOff(rec);
        return Arrays.copyOfRange(chunk(rec), o, o + len);
    }

    long keyHash(int rec) {
        return Bloom.hash(chunk(rec), keyOff(rec), keyLen(rec));
    }

    boolean keyEquals(int rec, byte[] key) {
        int o = keyOff(rec);
        return Arrays.equals(chunk(rec), o, o + keyLen(rec), key, 0, key.length);
    }

    /** Unsigned order of the two records' keys. */
    int compareKeys(int a, int b) {
        int ao = keyOff(a);
        int bo = keyOff(b);
        return Arrays.compareUnsigned(chunk(a), ao, ao + keyLen(a), chunk(b), bo, bo + keyLen(b));
    }

    /** Key bytes {@code [depth, depth + 8)} as a big-endian long, zero past the key's end. */
    long window(int rec, int depth) {
        if (depth == 0) {
            return heads[rec];
        }
        return Bytes.window(chunk(rec), keyOff(rec) + depth, keyLen(rec) - depth);
    }
}
