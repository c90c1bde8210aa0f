package io.streamlet.bench;

/** A rule of shared/DESIGN.md ("What a new HTTP-FLV player must receive", RTMP alike) that a player saw broken. */
enum Violation {
    /** Content-Type is not video/x-flv, or the HTTP/1.1 body is not chunked. */
    RESPONSE_HEADERS("response_headers"),
    CHUNKED_FRAMING("chunked_framing"),
    /** Bad FLV signature, header size, PreviousTagSize or StreamID. */
    FLV_FRAMING("flv_framing"),
    /** The FLV header does not announce both audio and video (the sample has both). */
    HEADER_FLAGS("header_flags"),
    FIRST_TAG_NOT_METADATA("first_tag_not_metadata"),
    /** Media arrived before both the video and the audio sequence header. */
    MISSING_SEQUENCE_HEADER("missing_sequence_header"),
    FIRST_FRAME_NOT_KEYFRAME("first_frame_not_keyframe"),
    FIRST_TIMESTAMP_NOT_ZERO("first_timestamp_not_zero"),
    TIMESTAMP_BACKWARDS("timestamp_backwards"),
    /** A stamped tag arrived twice, or after one the publisher sent later. */
    TAG_OUT_OF_ORDER("tag_out_of_order"),
    /** An audio or video tag too short for its codec header. */
    MALFORMED_MEDIA_TAG("malformed_media_tag"),
    /** An RTMP player's server broke the chunk stream or the commands after the play started. */
    RTMP_PROTOCOL("rtmp_protocol");

    final String key;

    Violation(String key) {
        this.key = key;
    }
}
