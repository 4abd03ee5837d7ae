package dev.switchboard.pusher.ws;

import dev.switchboard.pusher.PusherApp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The signatures pusher-js's authorisers bring, against the worked examples of Pusher's documentation. */
class SignatureTest {
    private static final PusherApp DOCS_APP = new PusherApp("1", "278d425bdf160c739803", "7ad3773142a6692b25b8");

    @Test
    void privateChannelSignatureMatchesPushersWorkedExample() {
        assertEquals("58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4",
                DOCS_APP.sign("1234.1234:private-foobar"));
    }

    @Test
    void presenceChannelSignatureMatchesPushersWorkedExample() {
        assertEquals("31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80",
                DOCS_APP.sign("1234.1234:presence-foobar:{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}"));
    }
}
