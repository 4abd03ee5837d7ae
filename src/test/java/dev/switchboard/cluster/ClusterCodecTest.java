package dev.switchboard.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.presence.AgentCount;
import dev.switchboard.pusher.NodeRoster;
import dev.switchboard.pusher.RosterEntry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster channel's JSON: what a node writes it reads back, and what anyone else writes is refused. */
class ClusterCodecTest {
    private final ClusterCodec codec = new ClusterCodec(new ObjectMapper());

    @Test
    void everyMessageReadsBackAsWritten() {
        for (ClusterMessage message : new ClusterMessage[] {
                new ClusterMessage.PresenceChanged("node-a", "run-1", 42, 7, new AgentCount(2, "Ana")),
                new ClusterMessage.PresenceChanged("node-a", "run-1", 43, 7, new AgentCount(0, null)),
                new ClusterMessage.TypingChanged("node-b", 456, 123, true),
                new ClusterMessage.NodeJoined("node-d"), new ClusterMessage.NodeLeft("node-c", "run-9")}) {
            assertEquals(message, codec.decode(codec.encode(message)));
        }
    }

    @Test
    void aLongNameIsCutSoEveryNotificationFitsPostgresLimit() {
        String payload = codec.encode(new ClusterMessage.PresenceChanged("node-a", "run-1", 1, 7,
                new AgentCount(1, "x".repeat(100_000))));
        assertTrue(payload.length() < 1000, payload.length() + " bytes");
    }

    @Test
    void aNodesAgentsReadBackAsWritten() {
        Map<Long, AgentCount> agents = Map.of(1L, new AgentCount(2, "Ana"), 9L, new AgentCount(1, null));
        assertEquals(agents, codec.decodeAgents(codec.encodeAgents(agents)));
    }

    @Test
    void whatThisCodecDoesNotWriteIsRefused() {
        for (String payload : new String[] {"not json", "{}", "{\"node\":\"a\",\"kind\":\"other\"}",
                "{\"node\":\"a\",\"kind\":\"typing\",\"conversation_id\":1,\"user_id\":2,\"is_typing\":\"yes\"}",
                "{\"node\":\"a\",\"kind\":\"presence\",\"incarnation\":\"r\",\"version\":1,\"agent_id\":\"7\","
                        + "\"connections\":1}",
                "{\"node\":\"a\",\"kind\":\"presence\",\"incarnation\":\"r\",\"version\":1,\"agent_id\":7,"
                        + "\"connections\":-1}"}) {
            assertThrows(IllegalArgumentException.class, () -> codec.decode(payload), payload);
        }
        assertThrows(IllegalArgumentException.class, () -> codec.decodeAgents("{\"ana\":{\"connections\":1}}"));
    }

    private static ObjectNode info(String name) {
        return JsonNodeFactory.instance.objectNode().put("name", name);
    }

    @Test
    void aPusherMemberChangeReadsBackAsWritten() {
        for (ClusterMessage message : new ClusterMessage[] {
                new ClusterMessage.MemberChanged("node-a", "run-1", 5,
                        new RosterEntry("1", "presence-room", "42", info("Ann")), true),
                new ClusterMessage.MemberChanged("node-a", "run-1", 6,
                        new RosterEntry("1", "presence-room", "42", null), false)}) {
            assertEquals(message, codec.decode(codec.encode(message)));
        }
    }

    @Test
    void aUserInfoTooLargeToShareTravelsAsNoInfoAndTheNotificationStaysSmall() {
        String payload = codec.encode(new ClusterMessage.MemberChanged("node-a", "run-1", 5,
                new RosterEntry("1", "presence-room", "42", info("x".repeat(100_000))), true));
        assertTrue(payload.length() < 1000, payload.length() + " bytes");
        assertEquals(new ClusterMessage.MemberChanged("node-a", "run-1", 5,
                new RosterEntry("1", "presence-room", "42", null), true), codec.decode(payload));
    }

    @Test
    void aNodesPusherMembersReadBackAsWritten() {
        List<RosterEntry> entries = List.of(new RosterEntry("1", "presence-room", "42", info("Ann")),
                new RosterEntry("1", "presence-room", "43", null));
        assertEquals(entries, codec.decodeRoster(codec.encodeRoster(new NodeRoster("node-a", "run-1", 3, entries))));
    }

    @Test
    void aPusherMemberChangeOtherThanThisCodecWritesIsRefused() {
        for (String payload : new String[] {
                "{\"node\":\"a\",\"kind\":\"pusher_member\",\"incarnation\":\"r\",\"version\":1,"
                        + "\"present\":\"yes\",\"app\":\"1\",\"channel\":\"presence-x\",\"user_id\":\"u\"}",
                "{\"node\":\"a\",\"kind\":\"pusher_member\",\"incarnation\":\"r\",\"version\":1,"
                        + "\"present\":true,\"app\":\"1\",\"channel\":\"presence-x\"}",
                "{\"node\":\"a\",\"kind\":\"pusher_member\",\"incarnation\":\"r\",\"version\":1,"
                        + "\"present\":true,\"app\":\"1\",\"channel\":\"presence-x\",\"user_id\":\""
                        + "u".repeat(ClusterCodec.ID_LIMIT + 1) + "\"}"}) {
            assertThrows(IllegalArgumentException.class, () -> codec.decode(payload), payload);
        }
        assertThrows(IllegalArgumentException.class, () -> codec.decodeRoster("{}"));
    }
}
