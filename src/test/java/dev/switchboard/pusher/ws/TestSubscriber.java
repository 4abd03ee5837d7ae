package dev.switchboard.pusher.ws;

import dev.switchboard.pusher.PusherApp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A subscriber that records the frames it is given. */
final class TestSubscriber implements Subscriber {
    private final List<String> frames = new ArrayList<>();
    private final PusherApp app;
    private final String socketId;

    TestSubscriber(PusherApp app, String socketId) {
        this.app = app;
        this.socketId = socketId;
    }

    @Override
    public String socketId() {
        return socketId;
    }

    @Override
    public PusherApp app() {
        return app;
    }

    @Override
    public Optional<String> signedInUser() {
        return Optional.empty();
    }

    @Override
    public void send(String frame) {
        frames.add(frame);
    }

    @Override
    public void terminate(int code, String message) {
    }

    /** The frames given since the last call. */
    List<String> take() {
        List<String> taken = List.copyOf(frames);
        frames.clear();
        return taken;
    }
}
