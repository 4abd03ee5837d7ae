package dev.switchboard.ws;

import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.glassfish.grizzly.memory.Buffers;

import java.nio.charset.StandardCharsets;

/**
 * Answers a WebSocket upgrade request with a short plain-text HTTP error and closes the connection once it is
 * written, before Tyrus sees the request.
 */
final class HttpRefusal {
    private HttpRefusal() {
    }

    /**
     * Writes the refusal and returns the action that stops the request here.
     *
     * @param body one line saying why, for whoever reads the response
     */
    static NextAction refuse(FilterChainContext ctx, HttpRequestPacket request, HttpStatus status, String body) {
        HttpResponsePacket response = request.getResponse();
        response.setStatus(status);
        response.setContentType("text/plain; charset=utf-8");
        response.setHeader("Connection", "close");
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        HttpContent content = HttpContent.builder(response)
                .content(Buffers.wrap(ctx.getMemoryManager(), bytes))
                .last(true)
                .build();
        ctx.write(content, new EmptyCompletionHandler<WriteResult>() {
            @Override
            public void completed(WriteResult result) {
                ctx.getConnection().closeSilently();
            }

            @Override
            public void failed(Throwable throwable) {
                ctx.getConnection().closeSilently();
            }
        });
        return ctx.getStopAction();
    }
}
