package dev.switchboard.demo;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.switchboard.auth.Role;

/**
 * A seeded agent or contact of the demo helpdesk. Agents and contacts share one id space (agents below 1000,
 * contacts from 1000 up) because both sign in with tokens whose {@code sub} is the id.
 *
 * @param id    user id, the token's {@code sub}
 * @param name  display name, e.g. "Ana Souza"
 * @param email contact address
 * @param role  {@code agent}, {@code admin} or {@code contact}, as in the token
 */
record DemoUser(long id, String name, String email, String role) {

    /** Agents and admins: they see every conversation. */
    @JsonIgnore
    boolean isStaff() {
        return !"contact".equals(role);
    }

    /** The side this user writes on, as {@code messages.sender_type} stores it. */
    @JsonIgnore
    String senderType() {
        return isStaff() ? "agent" : "contact";
    }

    @JsonIgnore
    Role tokenRole() {
        return Role.fromWire(role);
    }
}
