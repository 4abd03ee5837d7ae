package dev.switchboard.resume;

import dev.switchboard.routing.Feed;

/**
 * A client's request to be sent what it missed.
 *
 * @param feed    which events: the connection's personal feed (on {@code auth}) or one conversation's (on
 *                {@code subscribe})
 * @param afterId the last event id the client has; every event of the feed with a larger id is replayed
 * @param epoch   the epoch that id belongs to, as the client sent it; {@code null} when it sent none
 */
public record ResumeRequest(Feed feed, long afterId, String epoch) {
}
