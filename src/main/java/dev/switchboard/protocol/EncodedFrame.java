package dev.switchboard.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One server message encoded once as a complete WebSocket text frame (RFC 6455 section 5.2: header and UTF-8
 * payload, unmasked as a server's frames are), so a fan-out to thousands of connections queues the same bytes for
 * each of them instead of building and encoding a frame per connection. Immutable and safe to share between
 * threads; {@link #wire()} hands out independent views of the shared bytes.
 */
public final class EncodedFrame {
    /** FIN set, opcode 1 (text): a whole text message in one frame. */
    private static final byte FIN_TEXT = (byte) 0x81;

    private final String text;
    private final byte[] wire;

    private EncodedFrame(String text, byte[] wire) {
        this.text = text;
        this.wire = wire;
    }

    /** Encodes {@code text} (one JSON message) as a text frame. */
    public static EncodedFrame of(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int length = payload.length;
        int headerSize = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        byte[] wire = new byte[headerSize + length];
        wire[0] = FIN_TEXT;
        if (length < 126) {
            wire[1] = (byte) length;
        } else if (length <= 0xFFFF) {
            wire[1] = 126;
            wire[2] = (byte) (length >>> 8);
            wire[3] = (byte) length;
        } else {
            wire[1] = 127;
            long value = length;
            for (int i = 9; i >= 2; i--) {
                wire[i] = (byte) value;
                value >>>= 8;
            }
        }
        System.arraycopy(payload, 0, wire, headerSize, length);
        return new EncodedFrame(text, wire);
    }

    /** The message as text, for recipients that take a String and for tests. */
    public String text() {
        return text;
    }

    /**
     * The message's size as the send queues count it: its length in chars, about its size on the wire for the ASCII
     * JSON most frames are, and about its share of the heap.
     */
    public int length() {
        return text.length();
    }

    /** The whole frame's size in bytes on the wire, header included. */
    public int wireSize() {
        return wire.length;
    }

    /** A fresh read-only view of the whole frame, positioned at its start; the bytes themselves are shared. */
    public ByteBuffer wire() {
        return ByteBuffer.wrap(wire).asReadOnlyBuffer();
    }

    /** Copies the whole frame into {@code target} at its position, advancing it. */
    public void copyTo(ByteBuffer target) {
        target.put(wire);
    }

    @Override
    public String toString() {
        return text;
    }
}
