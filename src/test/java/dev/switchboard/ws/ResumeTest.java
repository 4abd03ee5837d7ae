package dev.switchboard.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.notifier.EventRecord;
import dev.switchboard.resume.Replay;
import dev.switchboard.resume.ReplaySource;
import dev.switchboard.resume.ResumeRequest;
import dev.switchboard.routing.Feed;
import dev.switchboard.routing.Target;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resume on the realtime core alone: a fake replay source the test answers by hand, live events handed to the
 * dispatcher while a replay is outstanding, a manual clock.
 */
class ResumeTest {
    private static final String EPOCH = "0b7c7a1e-5f4e-4c1a-9d7e-3a2b1c0d9e8f";

    private final FakeReplay replay = new FakeReplay();
    private final CoreHarness node = new CoreHarness(replay);

    @Test
    void authenticatedAlwaysCarriesTheEpoch() {
        CoreHarness.Client agent = node.connect();
        agent.auth(node.agentToken(1));
        JsonNode data = agent.await("authenticated").path("data");
        assertEquals(EPOCH, data.path("epoch").asText());
        assertFalse(data.has("recovered"), "no resume was asked for");
    }

    @Test
    void authWithLastEventIdAsksForThePersonalFeedAndAnswersOnlyOnceTheReplayIsDone() {
        CoreHarness.Client agent = node.connect();
        agent.send(auth(node.agentToken(1), 10, EPOCH));
        assertEquals(List.of(), agent.frames(), "nothing before the replay is read");
        assertEquals(new ResumeRequest(new Feed.Personal(1, true), 10, EPOCH), replay.requests.get(0));

        // Live while the replay runs: one event the replay also has (the listener was behind), one after it.
        node.core.dispatcher().dispatch(event(12, Target.STAFF));
        node.core.dispatcher().dispatch(event(13, Target.STAFF));
        replay.answer(0, new Replay.Recovered(List.of(event(11, Target.STAFF), event(12, Target.STAFF)), 12, EPOCH));

        List<JsonNode> frames = agent.frames();
        JsonNode authenticated = frames.get(0);
        assertEquals("authenticated", authenticated.path("event").asText());
        assertTrue(authenticated.path("data").path("recovered").asBoolean());
        assertEquals(2, authenticated.path("data").path("replayed").asInt());
        assertEquals(List.of(11L, 12L, 13L), ids(frames), "in id order, each once");
        assertTrue(frames.stream().anyMatch(f -> "presence".equals(f.path("event").asText())));
        assertEquals(1, resumes("recovered"));
        assertEquals(2, node.core.metrics().registry().get("switchboard.events.replayed").counter().count());
    }

    @Test
    void aRefusedResumeAnswersRecoveredFalseAndResyncRequiredThenGoesLive() {
        CoreHarness.Client contact = node.connect();
        contact.send(auth(node.contactToken(5, java.time.Duration.ofHours(1), 7L), 10, "another-epoch"));
        node.core.dispatcher().dispatch(event(20, new Target.User(5)));
        replay.answer(0, new Replay.Refused(Replay.Reason.EPOCH, EPOCH));

        List<JsonNode> frames = contact.frames();
        assertEquals(List.of("authenticated", "resync_required", "custom"), names(frames));
        assertFalse(frames.get(0).path("data").path("recovered").asBoolean(true));
        assertEquals(0, frames.get(0).path("data").path("replayed").asInt(-1));
        assertEquals(EPOCH, frames.get(0).path("data").path("epoch").asText(), "the epoch to remember from now");
        assertEquals("epoch", frames.get(1).path("data").path("reason").asText());
        assertEquals("auth", frames.get(1).path("data").path("request").asText());
        assertEquals(1, resumes("epoch"));
        assertEquals(0, resumes("recovered"));
    }

    @Test
    void subscribeWithLastEventIdReplaysThatConversationWithTheEpochOfTheAuth() {
        CoreHarness.Client contact = node.connect();
        contact.send("{\"type\":\"auth\",\"token\":\"" + node.contactToken(5, java.time.Duration.ofHours(1), 7L)
                + "\",\"epoch\":\"" + EPOCH + "\"}");
        contact.frames();
        contact.send("{\"type\":\"subscribe\",\"conversation_id\":7,\"last_event_id\":30}");
        assertEquals(new ResumeRequest(new Feed.OneConversation(7, false), 30, EPOCH), replay.requests.get(0));
        node.core.dispatcher().dispatch(event(33, new Target.Conversation(7)));
        replay.answer(0, new Replay.Recovered(List.of(event(31, new Target.ConversationAndStaff(7))), 32, EPOCH));

        List<JsonNode> frames = contact.frames();
        assertEquals("subscribed", frames.get(0).path("event").asText());
        assertTrue(frames.get(0).path("data").path("recovered").asBoolean());
        assertEquals(1, frames.get(0).path("data").path("replayed").asInt());
        assertEquals(List.of(31L, 33L), ids(frames));
    }

    @Test
    void aResumeOnASubscriptionThatExistsIsRefusedRatherThanGuessed() {
        CoreHarness.Client agent = node.agent(1);
        agent.frames();
        agent.subscribe(7);
        agent.frames();
        agent.send("{\"type\":\"subscribe\",\"conversation_id\":7,\"last_event_id\":30}");
        List<JsonNode> frames = agent.frames();
        assertEquals(List.of("subscribed", "resync_required"), names(frames));
        assertEquals("already_subscribed", frames.get(1).path("data").path("reason").asText());
        assertTrue(replay.requests.isEmpty(), "nothing to read");
    }

    @Test
    void aCoreWithoutHistoryRefusesEveryResume() {
        CoreHarness plain = new CoreHarness();
        CoreHarness.Client agent = plain.connect();
        agent.send(auth(plain.agentToken(1), 10, "whatever"));
        List<JsonNode> frames = agent.frames();
        assertEquals("authenticated", frames.get(0).path("event").asText());
        assertFalse(frames.get(0).path("data").path("recovered").asBoolean(true));
        assertEquals("unavailable", frames.get(1).path("data").path("reason").asText());
    }

    private double resumes(String outcome) {
        return node.core.metrics().registry().get("switchboard.resumes").tag("outcome", outcome).counter().count();
    }

    private static String auth(String token, long lastEventId, String epoch) {
        return "{\"type\":\"auth\",\"token\":\"" + token + "\",\"last_event_id\":" + lastEventId + ",\"epoch\":\""
                + epoch + "\"}";
    }

    private static EventRecord event(long id, Target target) {
        String name = target instanceof Target.User ? "custom" : "new_message";
        return new EventRecord(id, name, target, "{\"n\":" + id + "}", Instant.EPOCH);
    }

    private static List<Long> ids(List<JsonNode> frames) {
        return frames.stream().filter(f -> f.has("id")).map(f -> f.get("id").asLong()).collect(Collectors.toList());
    }

    private static List<String> names(List<JsonNode> frames) {
        return frames.stream().map(f -> f.path("event").asText()).collect(Collectors.toList());
    }

    /** Keeps every request; the test answers each when it chooses, as the database would, later. */
    private static final class FakeReplay implements ReplaySource {
        final List<ResumeRequest> requests = new ArrayList<>();
        final List<Consumer<Replay>> callbacks = new ArrayList<>();

        @Override
        public String epoch() {
            return EPOCH;
        }

        @Override
        public void replay(ResumeRequest request, Consumer<Replay> done) {
            requests.add(request);
            callbacks.add(done);
        }

        void answer(int index, Replay answer) {
            callbacks.get(index).accept(answer);
        }
    }
}
