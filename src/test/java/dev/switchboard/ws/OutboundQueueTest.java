package dev.switchboard.ws;

import dev.switchboard.protocol.EncodedFrame;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class OutboundQueueTest {

    /** A queue whose only limit is the hard one: overflow exactly at {@code limit} frames. */
    static OutboundQueue hardOnly(OutboundQueue.Transport transport, int limit, OutboundQueue.OverflowListener overflow) {
        return new OutboundQueue(transport, DIRECT, frameLimits(limit, limit, Long.MAX_VALUE), System::nanoTime,
                overflow);
    }

    /**
     * Runs the writer's work on the thread that hands it over, so these tests can watch the pump step by step.
     * In production the writer is an executor of its own, which ClientSessionTest checks.
     */
    static final java.util.concurrent.Executor DIRECT = Runnable::run;

    /** Limits in frames only. */
    static OutboundQueue.Limits frameLimits(int soft, int hard, long lagNanos) {
        return new OutboundQueue.Limits(soft, hard, Long.MAX_VALUE, Long.MAX_VALUE, lagNanos);
    }

    /** Generous guard against a hung test; never a performance bound. */
    static final long HANG_GUARD_SECONDS = 60;

    /**
     * A transport whose sends complete only when the test says so (or inline, once switched). Records frames and
     * closes, and fails the test if a second send starts while one is outstanding.
     */
    static final class FakeTransport implements OutboundQueue.Transport {
        final List<String> sent = Collections.synchronizedList(new ArrayList<>());
        /** The frames of each send, one list per send. */
        final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        final List<String> closes = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Consumer<Throwable>> outstanding = new AtomicReference<>();
        final AtomicReference<String> violation = new AtomicReference<>();
        final AtomicInteger depth = new AtomicInteger();
        volatile int maxDepth;
        volatile boolean inline;

        @Override
        public void send(List<EncodedFrame> frames, Consumer<Throwable> done) {
                String frame = String.join(",", texts(frames));
            int d = depth.incrementAndGet();
            maxDepth = Math.max(maxDepth, d);
            try {
                if (outstanding.get() != null) {
                    violation.compareAndSet(null, "send of " + frame + " started while another was in flight");
                }
                sent.addAll(texts(frames));
                batches.add(texts(frames));
                if (inline) {
                    done.accept(null);
                } else {
                    outstanding.set(done);
                }
            } finally {
                depth.decrementAndGet();
            }
        }

        @Override
        public void close(int code, String reason) {
            if (outstanding.get() != null) {
                violation.compareAndSet(null, "close while a send was in flight");
            }
            closes.add(code + " " + reason);
        }

        /** Completes the outstanding send. */
        void complete(Throwable failure) {
            Consumer<Throwable> done = outstanding.getAndSet(null);
            assertTrue(done != null, "a send is in flight");
            done.accept(failure);
        }

        void complete() {
            complete(null);
        }

        boolean inFlight() {
            return outstanding.get() != null;
        }

        void assertNoViolation() {
            assertNull(violation.get());
        }
    }

    static List<String> texts(List<EncodedFrame> frames) {
        List<String> texts = new ArrayList<>();
        for (EncodedFrame frame : frames) {
            texts.add(frame.text());
        }
        return texts;
    }

    static final class CountingOverflow implements OutboundQueue.OverflowListener {
        final List<Integer> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void overflowed(int queuedFrames, long queuedBytes) {
            calls.add(queuedFrames);
        }
    }

    final FakeTransport transport = new FakeTransport();
    final CountingOverflow overflow = new CountingOverflow();
    final List<ExecutorService> executors = new ArrayList<>();

    @AfterEach
    void stopExecutors() {
        executors.forEach(ExecutorService::shutdownNow);
    }

    @Test
    void framesWaitingBehindASendLeaveTogetherInTheNextOneInOrder() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.offer("a");
        q.offer("b");
        q.offer("c");
        assertEquals(List.of("a"), transport.sent, "only the first frame is in flight");
        assertEquals(2, q.size());
        transport.complete();
        assertEquals(List.of(List.of("a"), List.of("b", "c")), transport.batches, "one send for both waiting");
        assertEquals(0, q.size());
        transport.complete();
        assertTrue(!transport.inFlight());
        q.offer("d");
        assertEquals(List.of("a", "b", "c", "d"), transport.sent, "an idle queue sends a new frame at once");
        transport.assertNoViolation();
        assertEquals(List.of(), overflow.calls);
    }

    @Test
    void aBatchHoldsAtMostTheBatchBudgetAndTheRestFollowsInTheNextSend() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        String quarter = "x".repeat(OutboundQueue.BATCH_BYTES / 4 - 10); // four fit, with their headers
        q.offer("first");
        for (int i = 0; i < 6; i++) {
            q.offer(quarter);
        }
        transport.complete();
        assertEquals(List.of(1, 4), transport.batches.stream().map(List::size).toList());
        transport.complete();
        assertEquals(List.of(1, 4, 2), transport.batches.stream().map(List::size).toList());
        transport.complete();
        assertEquals(0, q.size());
        transport.assertNoViolation();
    }

    @Test
    void aFrameLargerThanTheBatchBudgetIsSentAloneAndWhole() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        String huge = "y".repeat(OutboundQueue.BATCH_BYTES * 2);
        q.offer("first");
        q.offer("a");
        q.offer(huge);
        q.offer("b");
        transport.complete();
        transport.complete();
        transport.complete();
        assertEquals(List.of(List.of("first"), List.of("a"), List.of(huge), List.of("b")), transport.batches);
    }

    @Test
    void framesQueuedBeforeACloseLeaveInOneSendAndTheCloseFollowsIt() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.offer("first");
        q.offer("error");
        q.offer("bye");
        q.closeAfterFlush(1008, "rate limit exceeded");
        transport.complete();
        assertEquals(List.of(List.of("first"), List.of("error", "bye")), transport.batches);
        assertEquals(List.of(), transport.closes, "not before the frames are written");
        transport.complete();
        assertEquals(List.of("1008 rate limit exceeded"), transport.closes);
        transport.assertNoViolation();
    }

    @Test
    void aBurstAboveTheSoftLimitIsToleratedWhileTheClientCatchesUpInTime() {
        long[] now = {1_000};
        OutboundQueue q = new OutboundQueue(transport, DIRECT, frameLimits(10, 1_000, 5_000), () -> now[0], overflow);
        for (int i = 0; i < 500; i++) {
            q.offer("f" + i);           // far above the soft limit, under the hard one
        }
        now[0] += 4_000;                // behind, but not for long
        q.offer("late");
        while (transport.inFlight()) {
            transport.complete();       // the client reads; the queue drops below the soft limit
        }
        now[0] += 100_000;              // much later: the old lag no longer counts
        q.offer("later");
        assertEquals(List.of(), overflow.calls);
        transport.assertNoViolation();
    }

    @Test
    void aClientStuckAboveTheSoftLimitLongerThanTheLagIsGivenUp() {
        long[] now = {1_000};
        OutboundQueue q = new OutboundQueue(transport, DIRECT, frameLimits(10, 1_000, 5_000), () -> now[0], overflow);
        for (int i = 0; i < 20; i++) {
            q.offer("f" + i);
        }
        now[0] += 5_001;
        q.offer("one too late");
        assertEquals(1, overflow.calls.size());
        q.offer("dropped");
        assertEquals(1, overflow.calls.size(), "told once");
    }

    @Test
    void theHardLimitGivesUpAtOnce() {
        OutboundQueue q = new OutboundQueue(transport, DIRECT, frameLimits(10, 100, Long.MAX_VALUE), () -> 1_000, overflow);
        for (int i = 0; i < 101; i++) {
            q.offer("f" + i);           // one in flight, then 100 queued
        }
        assertEquals(List.of(), overflow.calls);
        q.offer("over");
        assertEquals(1, overflow.calls.size());
    }

    @Test
    void inlineCompletionDoesNotRecurseOver100kQueuedFrames() {
        OutboundQueue q = hardOnly(transport, 200_000, overflow);
        q.offer("f0");
        for (int i = 1; i < 100_000; i++) {
            q.offer("f" + i);
        }
        assertEquals(99_999, q.size());
        transport.inline = true;
        transport.complete(); // every following send completes inside send()
        assertEquals(100_000, transport.sent.size());
        for (int i = 0; i < 100_000; i++) {
            if (!transport.sent.get(i).equals("f" + i)) {
                fail("frame " + i + " out of order: " + transport.sent.get(i));
            }
        }
        assertEquals(1, transport.maxDepth, "send() was re-entered: the pump recursed");
        assertEquals(0, q.size());
        transport.assertNoViolation();
    }

    @Test
    void inlineCompletionFromTheFirstOfferSendsEverything() {
        transport.inline = true;
        OutboundQueue q = hardOnly(transport, 10, overflow);
        for (int i = 0; i < 1000; i++) {
            q.offer("f" + i);
        }
        assertEquals(1000, transport.sent.size());
        assertEquals("f999", transport.sent.get(999));
        assertEquals(List.of(), overflow.calls, "frames that leave at once never count against the limit");
    }

    @Test
    void completionOnAnotherThreadContinuesThePump() throws Exception {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.offer("a");
        q.offer("b");
        q.offer("c");
        AtomicReference<String> sender = new AtomicReference<>();
        Thread completer = new Thread(() -> {
            transport.complete();
            sender.set(Thread.currentThread().getName());
        }, "completer-1");
        completer.start();
        completer.join();
        assertEquals(List.of("a", "b", "c"), transport.sent, "the completing thread started the next send");
        Thread second = new Thread(transport::complete, "completer-2");
        second.start();
        second.join();
        assertEquals(0, q.size());
        transport.assertNoViolation();
        assertEquals("completer-1", sender.get());
    }

    @Test
    void asynchronousCompletionsDeliverEverythingInOrder() throws Exception {
        ExecutorService completer = Executors.newSingleThreadExecutor();
        executors.add(completer);
        List<String> sent = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(10_000);
        OutboundQueue.Transport async = new OutboundQueue.Transport() {
            @Override
            public void send(List<EncodedFrame> frames, Consumer<Throwable> done) {
                String frame = String.join(",", texts(frames));
                sent.addAll(texts(frames));
                completer.execute(() -> {
                    frames.forEach(f -> all.countDown());
                    done.accept(null);
                });
            }

            @Override
            public void close(int code, String reason) {
            }
        };
        OutboundQueue q = hardOnly(async, 20_000, overflow);
        for (int i = 0; i < 10_000; i++) {
            q.offer("f" + i);
        }
        assertTrue(all.await(HANG_GUARD_SECONDS, TimeUnit.SECONDS), "all frames sent; got " + sent.size());
        for (int i = 0; i < 10_000; i++) {
            assertEquals("f" + i, sent.get(i));
        }
    }

    @Test
    void queueAcceptsExactlyLimitWaitingFrames() {
        OutboundQueue q = hardOnly(transport, 3, overflow);
        q.offer("in-flight");
        q.offer("w1");
        q.offer("w2");
        q.offer("w3");
        assertEquals(3, q.size());
        assertEquals(List.of(), overflow.calls, "limit frames may wait");
    }

    @Test
    void overflowCallsTheListenerOnceAndDropsFurtherFrames() {
        OutboundQueue q = hardOnly(transport, 3, overflow);
        q.offer("in-flight");
        q.offer("w1");
        q.offer("w2");
        q.offer("w3");
        q.offer("one too many");
        assertEquals(List.of(3), overflow.calls);
        assertEquals(0, q.size(), "the backlog is dropped at overflow");
        q.offer("later");
        q.offer("later still");
        assertEquals(List.of(3), overflow.calls, "the listener is called once");
        transport.complete();
        assertEquals(List.of("in-flight"), transport.sent, "nothing is sent after overflow");
        q.closeAfterFlush(1000, "bye");
        assertEquals(List.of(), transport.closes, "the overflow listener owns the close");
        transport.assertNoViolation();
    }

    @Test
    void closeAfterFlushSendsQueuedFramesThenClosesAndDropsLaterFrames() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.offer("error frame");
        q.offer("second");
        q.closeAfterFlush(4001, "unauthorized");
        q.offer("too late");
        assertEquals(List.of(), transport.closes, "the close waits for the queued frames");
        transport.complete();
        assertEquals(List.of("error frame", "second"), transport.sent);
        assertEquals(List.of(), transport.closes);
        transport.complete();
        assertEquals(List.of("4001 unauthorized"), transport.closes);
        assertEquals(List.of("error frame", "second"), transport.sent);
        q.offer("after close");
        q.closeAfterFlush(1000, "again");
        assertEquals(List.of("4001 unauthorized"), transport.closes, "closed once");
        assertEquals(2, transport.sent.size());
        assertEquals(0, q.size());
        transport.assertNoViolation();
    }

    @Test
    void closeAfterFlushOnAnIdleQueueClosesAtOnce() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.closeAfterFlush(1001, "going away");
        assertEquals(List.of("1001 going away"), transport.closes);
        q.offer("x");
        assertEquals(List.of(), transport.sent);
    }

    @Test
    void closeAfterFlushWithInlineTransportSendsThenCloses() {
        transport.inline = true;
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.offer("a");
        q.closeAfterFlush(1008, "flood");
        assertEquals(List.of("a"), transport.sent);
        assertEquals(List.of("1008 flood"), transport.closes);
    }

    @Test
    void sendFailureDiscardsTheQueue() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.offer("a");
        q.offer("b");
        q.offer("c");
        transport.complete(new IOException("broken pipe"));
        assertEquals(List.of("a"), transport.sent);
        assertEquals(0, q.size());
        q.offer("d");
        assertEquals(List.of("a"), transport.sent, "nothing more is sent on a failed transport");
        assertEquals(0, q.size());
        assertEquals(List.of(), overflow.calls);
        transport.assertNoViolation();
    }

    @Test
    void inlineSendFailureDiscardsTheQueue() {
        List<String> sent = new ArrayList<>();
        OutboundQueue.Transport failing = new OutboundQueue.Transport() {
            @Override
            public void send(List<EncodedFrame> frames, Consumer<Throwable> done) {
                String frame = String.join(",", texts(frames));
                sent.addAll(texts(frames));
                done.accept(new IOException("closed"));
            }

            @Override
            public void close(int code, String reason) {
            }
        };
        OutboundQueue q = hardOnly(failing, 100, overflow);
        q.offer("a");
        q.offer("b");
        assertEquals(List.of("a"), sent);
        assertEquals(0, q.size());
    }

    @Test
    void discardForgetsQueuedFramesAndRefusesNewOnes() {
        OutboundQueue q = hardOnly(transport, 100, overflow);
        q.offer("a");
        q.offer("b");
        q.discard();
        assertEquals(0, q.size());
        transport.complete();
        q.offer("c");
        assertEquals(List.of("a"), transport.sent);
    }

    @Test
    void concurrentOffersLoseNothingAndKeepPerThreadOrder() throws Exception {
        long seed = new Random().nextLong();
        int threads = 8;
        int perThread = 10_000;
        ExecutorService completer = Executors.newSingleThreadExecutor();
        executors.add(completer);
        Random random = new Random(seed);
        List<String> sent = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inFlight = new AtomicInteger();
        AtomicReference<String> violation = new AtomicReference<>();
        CountDownLatch all = new CountDownLatch(threads * perThread);
        OutboundQueue.Transport mixed = new OutboundQueue.Transport() {
            @Override
            public void send(List<EncodedFrame> frames, Consumer<Throwable> done) {
                String frame = String.join(",", texts(frames));
                if (inFlight.incrementAndGet() != 1) {
                    violation.compareAndSet(null, "two sends in flight at " + frame);
                }
                sent.addAll(texts(frames));
                boolean inline;
                synchronized (random) {
                    inline = random.nextBoolean();
                }
                Runnable finish = () -> {
                    inFlight.decrementAndGet();
                    frames.forEach(f -> all.countDown());
                    done.accept(null);
                };
                if (inline) {
                    finish.run();
                } else {
                    completer.execute(finish);
                }
            }

            @Override
            public void close(int code, String reason) {
            }
        };
        OutboundQueue q = hardOnly(mixed, threads * perThread + 1, overflow);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> offerers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < perThread; i++) {
                    q.offer(id + ":" + i);
                }
            });
            offerers.add(thread);
            thread.start();
        }
        for (Thread thread : offerers) {
            thread.join();
        }
        assertTrue(all.await(HANG_GUARD_SECONDS, TimeUnit.SECONDS),
                "seed " + seed + ": only " + sent.size() + " of " + threads * perThread + " frames sent");
        assertNull(violation.get(), "seed " + seed);
        assertEquals(threads * perThread, sent.size(), "seed " + seed);
        int[] next = new int[threads];
        synchronized (sent) {
            for (String frame : sent) {
                int colon = frame.indexOf(':');
                int thread = Integer.parseInt(frame.substring(0, colon));
                int index = Integer.parseInt(frame.substring(colon + 1));
                if (index != next[thread]) {
                    fail("seed " + seed + ": thread " + thread + " frame " + index + " arrived, expected " + next[thread]);
                }
                next[thread]++;
            }
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(perThread, next[t], "seed " + seed + ": thread " + t);
        }
        assertEquals(List.of(), overflow.calls);
        assertEquals(0, q.size());
    }

    // ---- bounds in bytes: app payloads are unbounded jsonb ----

    @Test
    void theHardByteLimitGivesUpAtOnceWhateverTheFrameCount() {
        OutboundQueue q = new OutboundQueue(transport, DIRECT,
                new OutboundQueue.Limits(1_000, 1_000, 10_000, 20_000, Long.MAX_VALUE), () -> 1_000, overflow);
        String kilobytes = "k".repeat(5_000);
        q.offer("in flight");
        for (int i = 0; i < 4; i++) {
            q.offer(kilobytes);       // 20,000 bytes waiting: at the limit, not over it
        }
        assertEquals(List.of(), overflow.calls);
        assertEquals(20_000, q.bytes());
        q.offer("x");
        assertEquals(List.of(4), overflow.calls, "five small frames' worth of count, but too many bytes");
        assertEquals(0, q.bytes(), "the backlog is dropped");
    }

    @Test
    void aClientStuckAboveTheSoftByteLimitLongerThanTheLagIsGivenUp() {
        long[] now = {1_000};
        OutboundQueue q = new OutboundQueue(transport, DIRECT,
                new OutboundQueue.Limits(1_000, 1_000, 10_000, 1_000_000, 5_000), () -> now[0], overflow);
        String kilobytes = "k".repeat(5_000);
        q.offer("in flight");
        for (int i = 0; i < 3; i++) {
            q.offer(kilobytes);       // above the soft byte limit, far below every frame limit
        }
        now[0] += 5_001;
        q.offer("one too late");
        assertEquals(1, overflow.calls.size());
    }

    @Test
    void sentFramesNoLongerCountAgainstTheByteLimit() {
        OutboundQueue q = new OutboundQueue(transport, DIRECT,
                new OutboundQueue.Limits(1_000, 1_000, 10_000, 10_000, Long.MAX_VALUE), () -> 1_000, overflow);
        String kilobytes = "k".repeat(5_000);
        for (int i = 0; i < 100; i++) {
            q.offer(kilobytes);
            transport.complete();     // a reader that keeps up
        }
        assertEquals(List.of(), overflow.calls);
        assertEquals(100, transport.sent.size());
        assertEquals(0, q.bytes());
    }

    @Test
    void writesRunOnTheWriterAndOfferNeverWrites() {
        List<Runnable> writer = new ArrayList<>();
        transport.inline = true;
        OutboundQueue q = new OutboundQueue(transport, writer::add, frameLimits(100, 100, Long.MAX_VALUE),
                () -> 1_000, overflow);
        q.offer("a");
        q.offer("b");
        assertEquals(List.of(), transport.sent, "offer only queues");
        assertEquals(1, writer.size(), "one pump for the connection, however many frames");
        writer.remove(0).run();
        assertEquals(List.of("a", "b"), transport.sent);
    }

    @Test
    void closeNowDoesNotWaitForTheSendInFlightAndRunsOnTheWriter() {
        List<Runnable> writer = new ArrayList<>();
        OutboundQueue q = new OutboundQueue(transport, writer::add, frameLimits(100, 100, Long.MAX_VALUE),
                () -> 1_000, overflow);
        q.offer("stuck");
        writer.remove(0).run();       // the send starts and never completes: a peer that stopped reading
        q.offer("queued");
        q.closeNow(1013, "send queue full");
        assertEquals(List.of(), transport.closes, "not on the caller's thread");
        writer.remove(0).run();
        assertEquals(List.of("1013 send queue full"), transport.closes);
        assertEquals(List.of("stuck"), transport.sent, "what was queued is dropped");
    }
}
