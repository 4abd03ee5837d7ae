package dev.switchboard.http;

import org.glassfish.grizzly.ReadHandler;
import org.glassfish.grizzly.http.io.NIOInputStream;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves HTTP requests whose work blocks (JDBC) without ever blocking a Grizzly thread: Grizzly's worker threads
 * also carry every WebSocket's traffic, so neither a slow query nor a slow client may hold one.
 *
 * <p>The response is suspended; the body is read as it arrives (non-blocking, bounded); then the work runs on a
 * small executor of its own, its reply is written and the response resumed. Requests in flight are bounded:
 * beyond that a caller gets {@link Refusal#BUSY} at once instead of joining an ever longer queue.
 *
 * <pre>{@code
 * public void service(Request request, Response response) {
 *     offload.handle(request, response, body -> JsonReply.ok(loadSomething(body)));
 * }
 * }</pre>
 *
 * @param <R> the caller's reply type; {@link Replies} makes and writes them
 */
public final class Offload<R> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Offload.class);

    /** How long a client may take to send its body. */
    private static final long BODY_TIMEOUT_SECONDS = 30;

    /** The blocking part of a request, given its body (empty when there is none). */
    @FunctionalInterface
    public interface Work<R> {
        R call(byte[] body) throws Exception;
    }

    /** Why a request got no work done. */
    public enum Refusal {
        /** 413: the body is larger than the limit. */
        TOO_LARGE,
        /** 503: too many requests in flight. */
        BUSY,
        /** 400: the body ended early or could not be read. */
        BAD_BODY,
        /** 408: the body did not arrive in time. */
        BODY_TIMEOUT,
        /** 503: the executor no longer takes work. */
        SHUTTING_DOWN
    }

    /** How one API says things: its refusals, its answer to failed work, and how a reply is written. */
    public interface Replies<R> {
        R refusal(Refusal refusal, int maxBodyBytes);

        /** The reply to work that threw; logs what the client must not see. */
        R failed(Exception failure);

        void write(Response response, R reply) throws IOException;
    }

    private final ThreadPoolExecutor executor;
    private final Semaphore inFlight;
    private final int maxBodyBytes;
    private final Replies<R> replies;

    /**
     * @param name         thread name prefix
     * @param threads      worker threads; each holds a pool connection only while its request's work runs
     * @param maxInFlight  requests reading, queued or running before new ones are refused
     * @param maxBodyBytes larger bodies are refused
     * @param replies      the API's way of answering
     */
    public Offload(String name, int threads, int maxInFlight, int maxBodyBytes, Replies<R> replies) {
        AtomicInteger counter = new AtomicInteger();
        // The queue cannot overflow: the semaphore admits no more requests than it holds.
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxInFlight), runnable -> {
                    Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.inFlight = new Semaphore(maxInFlight);
        this.maxBodyBytes = maxBodyBytes;
        this.replies = replies;
    }

    /** Reads the body, runs {@code work} on the executor and replies with its result (or its failure). */
    public void handle(Request request, Response response, Work<R> work) {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            write(response, replies.refusal(Refusal.TOO_LARGE, maxBodyBytes));
            return;
        }
        if (!inFlight.tryAcquire()) {
            write(response, replies.refusal(Refusal.BUSY, maxBodyBytes));
            return;
        }
        Exchange exchange = new Exchange(response, work);
        response.suspend(BODY_TIMEOUT_SECONDS, TimeUnit.SECONDS, null, timedOut -> exchange.timedOut());
        boolean chunked = "chunked".equalsIgnoreCase(request.getHeader("Transfer-Encoding"));
        if (declared == 0 || (declared < 0 && !chunked)) {
            exchange.dispatch(new byte[0]);
        } else {
            exchange.read(request.getNIOInputStream(), declared);
        }
    }

    /** Writes a reply directly, for answers that need no blocking work. */
    public void write(Response response, R reply) {
        try {
            replies.write(response, reply);
        } catch (Exception e) {
            log.debug("Could not write a reply: {}", e.toString());
        }
    }

    /** One suspended request: finished exactly once, by its reply, its read error, or its timeout. */
    private final class Exchange {
        private final Response response;
        private final Work<R> work;
        private final AtomicBoolean dispatched = new AtomicBoolean();

        Exchange(Response response, Work<R> work) {
            this.response = response;
            this.work = work;
        }

        /**
         * Reads without blocking. Complete once {@code declared} bytes are there (when known) or the body ends:
         * the first also works for requests Grizzly treats as protocol upgrades, whose body never "ends".
         */
        void read(NIOInputStream in, long declared) {
            in.notifyAvailable(new ReadHandler() {
                @Override
                public void onDataAvailable() {
                    int ready = in.readyData();
                    if (ready > maxBodyBytes) {
                        refuse(Refusal.TOO_LARGE);
                    } else if (declared >= 0 && ready >= declared) {
                        dispatch(take(in, (int) declared));
                    } else {
                        // Wake up once there is more than now: all of it when its length is known.
                        in.notifyAvailable(this, declared >= 0 ? (int) declared : ready + 1);
                    }
                }

                @Override
                public void onAllDataRead() {
                    int ready = in.readyData();
                    if (ready > maxBodyBytes) {
                        refuse(Refusal.TOO_LARGE);
                    } else if (declared >= 0 && ready < declared) {
                        refuse(Refusal.BAD_BODY);
                    } else {
                        dispatch(take(in, declared >= 0 ? (int) declared : ready));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    refuse(Refusal.BAD_BODY);
                }
            });
        }

        /** The body's bytes, or null when it ended early or could not be read. */
        private byte[] take(NIOInputStream in, int length) {
            byte[] body = new byte[length];
            try {
                int read = 0;
                while (read < length) {
                    int n = in.read(body, read, length - read);
                    if (n < 0) {
                        return null;
                    }
                    read += n;
                }
            } catch (IOException e) {
                return null;
            }
            return body;
        }

        /** Runs the work on the executor; its reply ends the exchange. */
        void dispatch(byte[] body) {
            if (body == null) {
                refuse(Refusal.BAD_BODY);
                return;
            }
            if (!dispatched.compareAndSet(false, true)) {
                return;
            }
            try {
                executor.execute(() -> finish(run(body)));
            } catch (RejectedExecutionException e) {
                finish(replies.refusal(Refusal.SHUTTING_DOWN, maxBodyBytes));
            }
        }

        /** A reply that needs no work (a refused body), still written off the reading thread. */
        private void refuse(Refusal refusal) {
            if (!dispatched.compareAndSet(false, true)) {
                return;
            }
            R reply = replies.refusal(refusal, maxBodyBytes);
            try {
                executor.execute(() -> finish(reply));
            } catch (RejectedExecutionException e) {
                finish(reply);
            }
        }

        /** Grizzly's suspend timeout: a body that never came. Work already running is given more time. */
        boolean timedOut() {
            if (!dispatched.compareAndSet(false, true)) {
                return false;
            }
            write(response, replies.refusal(Refusal.BODY_TIMEOUT, maxBodyBytes));
            inFlight.release();
            return true;
        }

        private R run(byte[] body) {
            try {
                return work.call(body);
            } catch (Exception e) {
                return replies.failed(e);
            }
        }

        private void finish(R reply) {
            try {
                write(response, reply);
            } finally {
                inFlight.release();
                response.resume();
            }
        }
    }

    /** Stops taking work and waits briefly for what runs. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
