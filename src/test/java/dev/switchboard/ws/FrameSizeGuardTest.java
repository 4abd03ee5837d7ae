package dev.switchboard.ws;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameSizeGuardTest {
    static final int TEXT = 0x1;
    static final int CONTINUATION = 0x0;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;

    /** A frame as a browser sends it: FIN set, masked, with the shortest length encoding for its size. */
    static byte[] clientFrame(int opcode, byte[] payload, boolean fin, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        writeLength(out, payload.length, true);
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        out.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        return out.toByteArray();
    }

    static byte[] clientFrame(int payloadLength, Random random) {
        byte[] payload = new byte[payloadLength];
        random.nextBytes(payload); // header-looking bytes inside payloads must not confuse the scan
        return clientFrame(TEXT, payload, true, random);
    }

    static void writeLength(ByteArrayOutputStream out, long length, boolean masked) {
        int maskBit = masked ? 0x80 : 0;
        if (length < 126) {
            out.write(maskBit | (int) length);
        } else if (length <= 0xFFFF) {
            out.write(maskBit | 126);
            out.write((int) (length >>> 8) & 0xFF);
            out.write((int) length & 0xFF);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (length >>> shift) & 0xFF);
            }
        }
    }

    /** Only the header of a frame declaring {@code length} bytes; the guard must decide before any payload. */
    static byte[] headerOnly(long length, int lengthBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x81);
        if (lengthBytes == 0) {
            out.write(0x80 | (int) length);
        } else if (lengthBytes == 2) {
            out.write(0x80 | 126);
            out.write((int) (length >>> 8) & 0xFF);
            out.write((int) length & 0xFF);
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (length >>> shift) & 0xFF);
            }
        }
        out.write(new byte[] {1, 2, 3, 4}, 0, 4);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }

    static FrameSizeGuard.GuardedReadHandler guard(long maxPayload) {
        return new FrameSizeGuard.GuardedReadHandler(null, null, maxPayload);
    }

    /** Feeds the stream cut at {@code cuts}; returns the index of the first chunk refused, or -1. */
    static int feed(FrameSizeGuard.GuardedReadHandler guard, byte[] stream, List<Integer> cuts) {
        int start = 0;
        int chunk = 0;
        List<Integer> ends = new ArrayList<>(cuts);
        ends.add(stream.length);
        for (int end : ends) {
            ByteBuffer view = ByteBuffer.wrap(stream, start, end - start).slice();
            boolean ok = guard.scan(view);
            if (!ok) {
                return chunk;
            }
            assertFalse(view.hasRemaining(), "an accepted chunk is consumed entirely");
            start = end;
            chunk++;
        }
        return -1;
    }

    static boolean whole(long maxPayload, byte[] stream) {
        return feed(guard(maxPayload), stream, List.of()) < 0;
    }

    static boolean byteByByte(long maxPayload, byte[] stream) {
        List<Integer> cuts = new ArrayList<>();
        for (int i = 1; i < stream.length; i++) {
            cuts.add(i);
        }
        return feed(guard(maxPayload), stream, cuts) < 0;
    }

    static List<Integer> randomCuts(Random random, int length, int count) {
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int i = 0; i < count && length > 1; i++) {
            cuts.add(1 + random.nextInt(length - 1));
        }
        return new ArrayList<>(cuts);
    }

    @ParameterizedTest(name = "limit {0}")
    @CsvSource({"0", "1", "100", "125", "126", "1000", "65535", "65536", "70000"})
    void frameOfExactlyTheLimitPassesAndOneMoreFails(int limit) {
        Random random = new Random(limit);
        byte[] atLimit = clientFrame(limit, random);
        byte[] overLimit = clientFrame(limit + 1, random);
        assertTrue(whole(limit, atLimit), "whole frame at the limit");
        assertTrue(byteByByte(limit, atLimit), "byte by byte at the limit");
        assertFalse(whole(limit, overLimit), "whole frame over the limit");
        assertFalse(byteByByte(limit, overLimit), "byte by byte over the limit");
    }

    @ParameterizedTest(name = "{0} bytes with {1} extended length bytes")
    @CsvSource({"125,0", "126,2", "65535,2", "65536,8", "100000,8"})
    void eachLengthEncodingIsRead(int length, int lengthBytes) {
        byte[] frame = clientFrame(length, new Random(length));
        assertEquals(2 + lengthBytes + 4 + length, frame.length, "test frame uses the expected encoding");
        assertTrue(whole(length, frame));
        assertFalse(whole(length - 1, frame));
    }

    @Test
    void oversizedFrameIsRefusedFromItsHeaderAlone() {
        assertFalse(whole(100, headerOnly(101, 0)));
        assertFalse(whole(1000, headerOnly(1001, 2)));
        assertFalse(whole(100_000, headerOnly(100_001, 8)));
        assertFalse(whole(64 * 1024, headerOnly(4L * 1024 * 1024 * 1024, 8)), "a 4 GiB declaration");
        assertTrue(whole(100, headerOnly(100, 0)), "a header within the limit just waits for its payload");
    }

    @Test
    void nonMinimalLengthEncodingsAreReadToo() {
        assertTrue(whole(10, concat(headerOnly(5, 2), new byte[5])), "16-bit encoding of 5");
        assertTrue(whole(10, concat(headerOnly(5, 8), new byte[5])), "64-bit encoding of 5");
        assertFalse(whole(10, headerOnly(11, 8)));
    }

    @Test
    void sixtyFourBitLengthWithTopBitSetFails() {
        byte[] header = {(byte) 0x82, (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        assertFalse(whole(Long.MAX_VALUE, header), "negative length is refused even with no practical limit");
        assertFalse(byteByByte(Long.MAX_VALUE, header));
        byte[] allOnes = {(byte) 0x82, (byte) 0xFF, -1, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3, 4};
        assertFalse(whole(Long.MAX_VALUE, allOnes));
    }

    @Test
    void unmaskedClientFrameIsRefusedEvenWhenSmall() {
        // RFC 6455 5.1: a server must close the connection on an unmasked client frame (the session answers 1002).
        byte[] unmasked = {(byte) 0x81, 3, 'a', 'b', 'c'};
        assertFalse(whole(3, unmasked));
        assertFalse(whole(3, concat(clientFrame(3, new Random(1)), unmasked)));
    }

    @Test
    void severalFramesInOneBuffer() {
        Random random = new Random(7);
        byte[] stream = concat(
                clientFrame(PING, new byte[0], true, random),
                clientFrame(TEXT, new byte[100], false, random),
                clientFrame(CONTINUATION, new byte[1000], false, random),
                clientFrame(CONTINUATION, new byte[1000], true, random),
                clientFrame(CLOSE, new byte[] {0x03, (byte) 0xE8}, true, random),
                clientFrame(1000, random));
        assertTrue(whole(1000, stream));
        assertTrue(byteByByte(1000, stream));
        assertFalse(whole(999, stream), "the 1000-byte frames exceed 999");

        byte[] withBad = concat(stream, clientFrame(1001, random), clientFrame(5, random));
        assertFalse(whole(1000, withBad), "a bad frame after good ones in the same buffer");
    }

    @Test
    void refusalHappensOnTheChunkCompletingTheBadHeader() {
        Random random = new Random(11);
        byte[] good = clientFrame(500, random);
        byte[] bad = clientFrame(70_000, random); // 64-bit length: 14-byte header
        byte[] stream = concat(good, bad);
        int badHeaderEnd = good.length + 14; // exclusive
        List<Integer> cuts = List.of(good.length, badHeaderEnd - 1, badHeaderEnd, badHeaderEnd + 100);
        assertEquals(2, feed(guard(1000), stream, cuts), "chunks: good | partial header | last header byte");
    }

    @Test
    void randomFrameSequencesSplitAtRandomPointsAgreeWithTheWholeBuffer() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        int limit = 70_000;
        for (int round = 0; round < 150; round++) {
            List<byte[]> frames = new ArrayList<>();
            int count = 1 + random.nextInt(8);
            for (int i = 0; i < count; i++) {
                int kind = random.nextInt(10);
                int length = kind < 5 ? random.nextInt(126)
                        : kind < 9 ? 126 + random.nextInt(65536 - 126)
                        : 65536 + random.nextInt(limit - 65536 + 1);
                frames.add(clientFrame(length, random));
            }
            if (random.nextInt(10) == 0) {
                frames.add(clientFrame(limit, random));
            }
            byte[] stream = concat(frames.toArray(new byte[0][]));
            List<Integer> cuts = randomCuts(random, stream.length, random.nextInt(40));
            assertEquals(-1, feed(guard(limit), stream, cuts),
                    "seed " + seed + " round " + round + ": frames within the limit refused, cuts " + cuts);

            // The same stream followed by one frame over the limit: refused exactly at the chunk that completes
            // its header.
            int overLength = limit + 1 + random.nextInt(1000);
            byte[] over = clientFrame(overLength, random);
            byte[] bad = concat(stream, over);
            int headerEnd = stream.length + 14;
            List<Integer> badCuts = randomCuts(random, bad.length, random.nextInt(40));
            int expectedChunk = 0;
            for (int cut : badCuts) {
                if (cut < headerEnd) {
                    expectedChunk++;
                }
            }
            assertEquals(expectedChunk, feed(guard(limit), bad, badCuts),
                    "seed " + seed + " round " + round + ": over-limit frame not refused at its header, cuts "
                            + badCuts);
        }
    }
}
