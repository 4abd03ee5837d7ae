package dev.switchboard.auth;

import java.util.Locale;

/** The three kinds of user a helpdesk token can name, carried in the token's {@code role} claim. */
public enum Role {
    /** Support agent: may subscribe to any conversation, receives every inbox event. */
    AGENT,
    /** Supervisor: the same reach as an agent. */
    ADMIN,
    /** Customer: may only subscribe to the conversations listed in its token. */
    CONTACT;

    /** The lowercase name used on the wire and in tokens. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Agents and admins see every conversation and appear in presence. */
    public boolean isStaff() {
        return this != CONTACT;
    }

    /** Parses a wire name; returns {@code null} for anything else. */
    public static Role fromWire(String value) {
        if (value == null) {
            return null;
        }
        for (Role role : values()) {
            if (role.wireName().equals(value)) {
                return role;
            }
        }
        return null;
    }
}
