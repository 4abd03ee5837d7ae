package dev.switchboard.protocol;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EncodedFrameTest {

    /** The frame's bytes as a client would read them: header fields, then the payload. */
    private static byte[] bytes(EncodedFrame frame) {
        ByteBuffer wire = frame.wire();
        byte[] bytes = new byte[wire.remaining()];
        wire.get(bytes);
        return bytes;
    }

    private static String repeat(int length) {
        return "x".repeat(length);
    }

    @Test
    void aShortMessageHasATwoByteHeaderWithFinTextAndItsLength() {
        byte[] wire = bytes(EncodedFrame.of("{\"a\":1}"));
        assertEquals((byte) 0x81, wire[0], "FIN and opcode text");
        assertEquals(7, wire[1], "unmasked, length 7");
        assertEquals("{\"a\":1}", new String(wire, 2, wire.length - 2, StandardCharsets.UTF_8));
    }

    @Test
    void lengthsFrom126To65535UseTheTwoByteExtendedLength() {
        for (int length : new int[] {125, 126, 65_535}) {
            byte[] wire = bytes(EncodedFrame.of(repeat(length)));
            if (length == 125) {
                assertEquals(2 + 125, wire.length);
                assertEquals(125, wire[1]);
                continue;
            }
            assertEquals(126, wire[1]);
            assertEquals(length, ((wire[2] & 0xFF) << 8) | (wire[3] & 0xFF));
            assertEquals(4 + length, wire.length);
        }
    }

    @Test
    void lengthsAbove65535UseTheEightByteExtendedLength() {
        int length = 65_536 + 7;
        byte[] wire = bytes(EncodedFrame.of(repeat(length)));
        assertEquals(127, wire[1]);
        long declared = 0;
        for (int i = 2; i < 10; i++) {
            declared = (declared << 8) | (wire[i] & 0xFF);
        }
        assertEquals(length, declared);
        assertEquals(10 + length, wire.length);
        assertEquals(10 + length, EncodedFrame.of(repeat(length)).wireSize());
    }

    @Test
    void thePayloadIsUtf8AndItsLengthCountsBytesNotChars() {
        String text = "{\"content\":\"olá 日本\"}";
        EncodedFrame frame = EncodedFrame.of(text);
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] wire = bytes(frame);
        assertEquals(payload.length, wire[1]);
        byte[] body = new byte[payload.length];
        System.arraycopy(wire, 2, body, 0, body.length);
        assertArrayEquals(payload, body);
        assertEquals(text.length(), frame.length(), "queues count chars");
        assertEquals(text, frame.text());
    }

    @Test
    void eachViewStartsAtTheBeginningWhateverAnotherReaderConsumed() {
        EncodedFrame frame = EncodedFrame.of("{\"shared\":true}");
        ByteBuffer first = frame.wire();
        first.get(new byte[first.remaining()]);
        ByteBuffer second = frame.wire();
        assertEquals(0, second.position());
        assertEquals(frame.wireSize(), second.remaining());
        ByteBuffer copy = ByteBuffer.allocate(frame.wireSize());
        frame.copyTo(copy);
        assertArrayEquals(bytes(frame), copy.array());
    }
}
