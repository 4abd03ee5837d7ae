package dev.switchboard.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.glassfish.grizzly.ReadHandler;
import org.glassfish.grizzly.http.io.NIOInputStream;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves an HTTP request whose work blocks (JDBC) without ever blocking a Grizzly thread: Grizzly's worker
 * threads also carry every WebSocket's traffic, so neither a slow query nor a slow client may hold one.
 *
 * <p>The response is suspended; the body is read as it arrives (non-blocking, bounded); then the work runs on
 * a small executor of its own, its reply is written and the response resumed. Requests in flight are bounded:
 * beyond that a caller gets 503 at once instead of joining an ever longer queue.
 *
 * <pre>{@code
 * public void service(Request request, Response response) {
 *     offload.handle(request, response, body -> JsonReply.ok(loadSomething(body)));
 * }
 * }</pre>
 */
final class Offload implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Offload.class);

    /** How long a client may take to send its body. */
    private static final long BODY_TIMEOUT_SECONDS = 30;

    /** The blocking part of a request, given its body (empty when there is none). May throw {@link ApiError}. */
    @FunctionalInterface
    interface Work {
        JsonReply call(byte[] body) throws Exception;
    }

    private final ExecutorService executor;
    private final Semaphore inFlight;
    private final int maxBodyBytes;
    private final ObjectMapper mapper;

    /**
     * @param name         thread name prefix
     * @param threads      worker threads; a couple suffice for a demo and leave the pool to the server
     * @param maxInFlight  requests reading, queued or running before new ones get 503
     * @param maxBodyBytes larger bodies get 413
     */
    Offload(String name, int threads, int maxInFlight, int maxBodyBytes, ObjectMapper mapper) {
        this.executor = Executors.newFixedThreadPool(threads, daemonThreads(name));
        this.inFlight = new Semaphore(maxInFlight);
        this.maxBodyBytes = maxBodyBytes;
        this.mapper = mapper;
    }

    /** Reads the body, runs {@code work} on the executor and replies with its result (or its error). */
    void handle(Request request, Response response, Work work) {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            write(response, tooLarge());
            return;
        }
        if (!inFlight.tryAcquire()) {
            write(response, JsonReply.error(503, "the demo is busy, try again"));
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
    void write(Response response, JsonReply reply) {
        try {
            reply.writeTo(response, mapper);
        } catch (Exception e) {
            log.debug("Could not write a demo API reply: {}", e.toString());
        }
    }

    private JsonReply tooLarge() {
        return new JsonReply(413, java.util.Map.of("error", "request body is larger than " + maxBodyBytes
                + " bytes"), java.util.Map.of());
    }

    /** One suspended request: finished exactly once, by its reply, its read error, or its timeout. */
    private final class Exchange {
        private final Response response;
        private final Work work;
        private final AtomicBoolean dispatched = new AtomicBoolean();

        Exchange(Response response, Work work) {
            this.response = response;
            this.work = work;
        }

        /**
         * Reads without blocking. Complete once {@code declared} bytes are there (when known) or the body
         * ends: the first also works for requests Grizzly treats as protocol upgrades, whose body never "ends".
         */
        void read(NIOInputStream in, long declared) {
            in.notifyAvailable(new ReadHandler() {
                @Override
                public void onDataAvailable() {
                    int ready = in.readyData();
                    if (ready > maxBodyBytes) {
                        reply(tooLarge());
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
                        reply(tooLarge());
                    } else if (declared >= 0 && ready < declared) {
                        reply(JsonReply.error(400, "request body is shorter than its Content-Length"));
                    } else {
                        dispatch(take(in, declared >= 0 ? (int) declared : ready));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    reply(JsonReply.error(400, "request body could not be read"));
                }
            });
        }

        private byte[] take(NIOInputStream in, int length) {
            byte[] body = new byte[length];
            try {
                int read = 0;
                while (read < length) {
                    int n = in.read(body, read, length - read);
                    if (n < 0) {
                        break;
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
                reply(JsonReply.error(400, "request body could not be read"));
                return;
            }
            if (!dispatched.compareAndSet(false, true)) {
                return;
            }
            try {
                executor.execute(() -> finish(run(work, body)));
            } catch (RejectedExecutionException e) {
                finish(JsonReply.error(503, "the server is shutting down"));
            }
        }

        /** A reply that needs no work (a refused body), still written off the reading thread. */
        void reply(JsonReply reply) {
            if (!dispatched.compareAndSet(false, true)) {
                return;
            }
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
            write(response, JsonReply.error(408, "the request body did not arrive in time"));
            inFlight.release();
            return true;
        }

        private void finish(JsonReply reply) {
            try {
                write(response, reply);
            } finally {
                inFlight.release();
                response.resume();
            }
        }
    }

    private static JsonReply run(Work work, byte[] body) {
        try {
            return work.call(body);
        } catch (ApiError e) {
            return JsonReply.of(e);
        } catch (Exception e) {
            // Logged here with its stack trace; the client only learns that it failed.
            log.error("Demo API request failed", e);
            return JsonReply.error(500, "internal error");
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

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
