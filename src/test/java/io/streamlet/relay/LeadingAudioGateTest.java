package io.streamlet.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.amf.Amf0;
import io.streamlet.flv.FlvTag;
import io.streamlet.testing.SyntheticMedia;
import org.junit.jupiter.api.Test;

class LeadingAudioGateTest {
    private static final byte[] AUDIO = SyntheticMedia.aacFrame(100);

    @Test
    void audioBeforeTheAnnouncedVideoWaitsButItsSequenceHeaderPasses() {
        LeadingAudioGate gate = new LeadingAudioGate();
        assertTrue(gate.admits(FlvTag.SCRIPT, 3000, SyntheticMedia.metadata(true, true)));
        assertTrue(gate.admits(FlvTag.SCRIPT, 3000, Amf0.encode("|RtmpSampleAccess", true, true)), "other data is the pull's to drop");
        assertTrue(gate.admits(FlvTag.AUDIO, 3000, SyntheticMedia.aacSequenceHeader()));
        assertFalse(gate.admits(FlvTag.AUDIO, 3000, AUDIO));
        assertFalse(gate.admits(FlvTag.AUDIO, 4500, AUDIO));
        assertTrue(gate.admits(FlvTag.VIDEO, 4600, SyntheticMedia.avcSequenceHeader(1)));
        assertTrue(gate.admits(FlvTag.AUDIO, 4610, AUDIO));
        assertTrue(gate.admits(FlvTag.VIDEO, 4620, SyntheticMedia.avcFrame(true, 100)));
    }

    @Test
    void audioPassesWhenNoVideoIsAnnounced() {
        LeadingAudioGate withoutMetadata = new LeadingAudioGate();
        assertTrue(withoutMetadata.admits(FlvTag.AUDIO, 0, AUDIO));
        LeadingAudioGate audioOnly = new LeadingAudioGate();
        assertTrue(audioOnly.admits(FlvTag.SCRIPT, 0, SyntheticMedia.metadata(true, false)));
        assertTrue(audioOnly.admits(FlvTag.AUDIO, 0, AUDIO));
    }

    @Test
    void videoThatNeverComesStopsHoldingAudioBackAfterTheMaximumLead() {
        LeadingAudioGate gate = new LeadingAudioGate();
        gate.admits(FlvTag.SCRIPT, 0, SyntheticMedia.metadata(true, true));
        long start = 0xFFFF_F000L; // the lead is measured across the 32-bit wrap
        assertFalse(gate.admits(FlvTag.AUDIO, start, AUDIO));
        assertFalse(gate.admits(FlvTag.AUDIO, (start + LeadingAudioGate.MAX_LEAD_MS - 1) & 0xFFFF_FFFFL, AUDIO));
        assertTrue(gate.admits(FlvTag.AUDIO, (start + LeadingAudioGate.MAX_LEAD_MS) & 0xFFFF_FFFFL, AUDIO));
        assertTrue(gate.admits(FlvTag.AUDIO, (start + LeadingAudioGate.MAX_LEAD_MS + 20) & 0xFFFF_FFFFL, AUDIO));
    }

    @Test
    void aMalformedAudioTagPassesForTheSourceToRefuse() {
        LeadingAudioGate gate = new LeadingAudioGate();
        gate.admits(FlvTag.SCRIPT, 0, SyntheticMedia.metadata(true, true));
        assertTrue(gate.admits(FlvTag.AUDIO, 0, new byte[0]));
    }
}
