package dev.switchboard.ws;

import dev.switchboard.metrics.NodeMetrics;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.HttpStatus;
import dev.switchboard.logging.EventLog;
import dev.switchboard.logging.RemoteAddress;

/**
 * Refuses WebSocket upgrades from origins the {@link OriginPolicy} does not allow, with a plain 403, before Tyrus
 * sees them. It must be registered before Tyrus's {@code WebSocketAddOn} so that it sits ahead of it in the chain.
 */
public final class OriginCheckAddOn implements AddOn {
    private static final EventLog events = EventLog.of(OriginCheckAddOn.class);

    private final OriginPolicy policy;
    private final NodeMetrics metrics;

    /** @param metrics counts the refusals */
    public OriginCheckAddOn(OriginPolicy policy, NodeMetrics metrics) {
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public void setup(NetworkListener networkListener, FilterChainBuilder builder) {
        int index = builder.indexOfType(HttpServerFilter.class);
        if (index < 0) {
            throw new IllegalStateException("no HttpServerFilter in the chain");
        }
        builder.add(index, new OriginFilter());
    }

    private final class OriginFilter extends BaseFilter {
        @Override
        public NextAction handleRead(FilterChainContext ctx) throws java.io.IOException {
            Object message = ctx.getMessage();
            if (!(message instanceof HttpContent)) {
                return ctx.getInvokeAction();
            }
            HttpHeader header = ((HttpContent) message).getHttpHeader();
            if (!header.isRequest() || !"websocket".equalsIgnoreCase(header.getUpgrade())) {
                return ctx.getInvokeAction();
            }
            HttpRequestPacket request = (HttpRequestPacket) header;
            String origin = request.getHeader("Origin");
            if (policy.permits(origin, request.getHeader("Host"))) {
                return ctx.getInvokeAction();
            }
            metrics.refused(NodeMetrics.Refusal.ORIGIN);
            // The origin and forwarded-for are the client's words: the layout escapes them.
            events.infoThrottled("connection_refused", "origin", "status", HttpStatus.FORBIDDEN_403.getStatusCode(),
                    "remote", RemoteAddress.of(ctx.getConnection().getPeerAddress()),
                    "forwarded_for", request.getHeader("X-Forwarded-For"), "origin", origin);
            return HttpRefusal.refuse(ctx, request, HttpStatus.FORBIDDEN_403, "origin not allowed");
        }
    }
}
