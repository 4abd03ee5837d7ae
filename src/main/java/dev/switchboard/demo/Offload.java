package dev.switchboard.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.glassfish.grizzly.http.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the blocking part of an HTTP request (JDBC) on a small executor of its own, never on a Grizzly thread:
 * Grizzly's worker threads also carry every WebSocket's traffic, so a slow query must not hold one. The
 * response is suspended, the work runs, its reply is written, then the response is resumed.
 *
 * <p>Requests in flight are bounded; beyond that the caller gets 503 at once instead of an ever longer queue.
 */
final class Offload implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Offload.class);

    /** The blocking part of a request. May throw {@link ApiError} for a refusal. */
    @FunctionalInterface
    interface Work {
        JsonReply call() throws Exception;
    }

    private final ExecutorService executor;
    private final Semaphore inFlight;
    private final ObjectMapper mapper;

    /**
     * @param name        thread name prefix
     * @param threads     worker threads; a couple suffice for a demo and leave the pool to the server
     * @param maxInFlight requests queued or running before new ones get 503
     */
    Offload(String name, int threads, int maxInFlight, ObjectMapper mapper) {
        this.executor = Executors.newFixedThreadPool(threads, daemonThreads(name));
        this.inFlight = new Semaphore(maxInFlight);
        this.mapper = mapper;
    }

    /** Replies to {@code response} with what {@code work} returns, computed off the calling thread. */
    void reply(Response response, Work work) {
        if (!inFlight.tryAcquire()) {
            write(response, JsonReply.error(503, "the demo is busy, try again"));
            return;
        }
        response.suspend();
        try {
            executor.execute(() -> {
                try {
                    write(response, run(work));
                } finally {
                    inFlight.release();
                    response.resume();
                }
            });
        } catch (RejectedExecutionException e) {
            // Only while shutting down.
            inFlight.release();
            write(response, JsonReply.error(503, "the server is shutting down"));
            response.resume();
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

    private static JsonReply run(Work work) {
        try {
            return work.call();
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
