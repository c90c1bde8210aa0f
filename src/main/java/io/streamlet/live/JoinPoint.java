package io.streamlet.live;

/**
 * Where a player may start (or skip to): a keyframe in the log (for audio-only streams, a recent audio
 * tag), with the metadata and sequence headers that were in effect there. Headers may be null.
 */
record JoinPoint(long seq, long time, LiveTag metadata, LiveTag videoHeader, LiveTag audioHeader) {}
