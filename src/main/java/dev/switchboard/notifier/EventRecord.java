package dev.switchboard.notifier;

import java.time.Instant;

import dev.switchboard.routing.Target;

/**
 * One committed row of {@code realtime.events}.
 *
 * @param id       commit-ordered id, sent to clients
 * @param event    event name
 * @param target   who receives it, parsed from the audience and id columns
 * @param dataJson  the {@code data} object as JSON text, spliced into the frame unchanged
 * @param createdAt the row's {@code created_at}: its transaction's start by the database clock
 */
public record EventRecord(long id, String event, Target target, String dataJson, Instant createdAt) {
}
