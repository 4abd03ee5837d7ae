package dev.switchboard.pusher.ws;

import dev.switchboard.protocol.EncodedFrame;
import dev.switchboard.ws.OutboundQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A transport that completes every send at once and keeps it; a close is reported back as Tyrus does. */
final class FakeTransport implements OutboundQueue.Transport {
    private final List<String> frames = new ArrayList<>();
    private int closeCode = -1;
    PusherConnection connection;
    /** A peer that stopped reading: sends never complete. */
    volatile boolean stalled;

    @Override
    public void send(List<EncodedFrame> batch, Consumer<Throwable> done) {
        synchronized (this) {
            for (EncodedFrame frame : batch) {
                frames.add(frame.text());
            }
        }
        if (!stalled) {
            done.accept(null);
        }
    }

    @Override
    public void close(int code, String reason) {
        synchronized (this) {
            if (closeCode != -1) {
                return;
            }
            closeCode = code;
        }
        connection.closed();
    }

    /** The frames sent since the last call. */
    synchronized List<String> take() {
        List<String> taken = List.copyOf(frames);
        frames.clear();
        return taken;
    }

    synchronized int closeCode() {
        return closeCode;
    }
}
