package dev.braid.streams;

import dev.braid.store.KeyRange;

/**
 * The time bookkeeping of a window or session store, as Kafka's segmented stores keep it: segment
 * {@code id = timestamp / segmentIntervalMs}, the observed stream time (the largest segment timestamp
 * written or restored since the store was opened, in memory only, as in Kafka), and which segments
 * are live: {@code id >= segmentId(observedStreamTime - retentionPeriodMs)}. Writes to older segments
 * are dropped; reads never go below {@link #actualFrom}. Writer thread only, except
 * {@link #actualFrom}, which readers call (the stream time is volatile).
 */
final class TimeSegments {
    /** Kafka's "no timestamp yet" ({@code ConsumerRecord.NO_TIMESTAMP}). */
    static final long NO_TIMESTAMP = -1L;

    private final long retentionPeriodMs;
    private final long segmentIntervalMs;
    private final long readEdgeMs; // 1: time streamTime - retention is no longer readable; 0: it still is
    private volatile long observedStreamTime = NO_TIMESTAMP;
    private long droppedBelow = Long.MIN_VALUE; // segments below it were range-deleted since open

    TimeSegments(long retentionPeriodMs, long segmentIntervalMs) {
        this(retentionPeriodMs, segmentIntervalMs, false);
    }

    /**
     * @param readsAtRetentionEdge whether a read still sees time {@code streamTime - retention}, as
     *                             Kafka's emit-on-window-close (time-ordered) window stores do, so that
     *                             a store whose retention equals its grace period can emit a window
     *                             just as it closes
     */
    TimeSegments(long retentionPeriodMs, long segmentIntervalMs, boolean readsAtRetentionEdge) {
        if (segmentIntervalMs < 1) {
            throw new IllegalArgumentException("segmentIntervalMs must be positive: " + segmentIntervalMs);
        }
        this.retentionPeriodMs = retentionPeriodMs;
        this.segmentIntervalMs = segmentIntervalMs;
        this.readEdgeMs = readsAtRetentionEdge ? 0 : 1;
    }

    /** Forgets the stream time: a reopened store starts from nothing, as Kafka's do. */
    void reset() {
        observedStreamTime = NO_TIMESTAMP;
        droppedBelow = Long.MIN_VALUE;
    }

    long segmentId(long timestamp) {
        return timestamp / segmentIntervalMs;
    }

    void observe(long timestamp) {
        if (timestamp > observedStreamTime) {
            observedStreamTime = timestamp;
        }
    }

    long observedStreamTime() {
        return observedStreamTime;
    }

    long retentionPeriodMs() {
        return retentionPeriodMs;
    }

    long segmentIntervalMs() {
        return segmentIntervalMs;
    }

    /** The lowest time a read may return: {@code max(from, streamTime - retention + 1)} (or + 0). */
    long actualFrom(long from) {
        return Math.max(from, observedStreamTime - retentionPeriodMs + readEdgeMs);
    }

    boolean isLive(long segmentId) {
        return segmentId >= minLiveSegment();
    }

    /**
     * The keys of the window or session segments that expired since the last call (null when none
     * did); the caller deletes them. Segments expire as the stream time advances, so each is handed
     * out once.
     */
    KeyRange takeExpired() {
        return advanceDropped() ? SegmentedKeys.below(minLiveSegment()) : null;
    }

    /**
     * Whether segments expired since the last call (the caller then deletes every segment below
     * {@link #minLiveSegment()}), and remembers that they are gone.
     */
    boolean advanceDropped() {
        long minLive = minLiveSegment();
        if (minLive <= droppedBelow) {
            return false;
        }
        droppedBelow = minLive;
        return true;
    }

    long minLiveSegment() {
        return segmentId(observedStreamTime - retentionPeriodMs);
    }
}
