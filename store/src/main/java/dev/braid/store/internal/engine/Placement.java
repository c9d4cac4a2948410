package dev.braid.store.internal.engine;

/** Where a job's pages go ({@link SegmentSet#sink(Placement)}). */
enum Placement {
    /** The lowest free run that holds a whole request, else the largest, else past the end. */
    FIRST_FIT,
    /** The lowest free runs in order, however small (a tree moved to the front fills every hole). */
    LOWEST,
    /** Only past the end of the file (a tree moved there so that the space it leaves joins the free runs). */
    PAST_END
}
