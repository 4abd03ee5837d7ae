package dev.switchboard.ws;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which {@code Sec-WebSocket-Key} values the handshake guard lets through to Tyrus (RFC 6455 section 4.1). */
class WebSocketKeyTest {

    @Test
    void keyMustBeThePaddedBase64OfSixteenBytes() {
        assertTrue(HandshakeGuard.isValidKey("dGhlIHNhbXBsZSBub25jZQ=="), "RFC 6455's own example");
        assertTrue(HandshakeGuard.isValidKey(Base64.getEncoder().encodeToString(new byte[16])));
        assertFalse(HandshakeGuard.isValidKey(null));
        assertFalse(HandshakeGuard.isValidKey(""));
        assertFalse(HandshakeGuard.isValidKey("    "));
        assertFalse(HandshakeGuard.isValidKey("dGhlIHNhbXBsZSBub25jZQ"), "unpadded");
        assertFalse(HandshakeGuard.isValidKey(Base64.getEncoder().encodeToString(new byte[15])));
        assertFalse(HandshakeGuard.isValidKey(Base64.getEncoder().encodeToString(new byte[17])));
        assertFalse(HandshakeGuard.isValidKey("dGhlIHNhbXBsZSBub25jZ!=="), "not base64");
    }
}
