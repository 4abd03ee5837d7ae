package dev.switchboard.demo;

import dev.switchboard.auth.TokenIssuer;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * DEMO-ONLY sign-in: whoever asks gets a token for any seeded user, no password. It stands in for the team's
 * own web app, which mints tokens after its real login; never copy this part.
 */
final class DemoSignIn {
    /** A working day, so a demo page signed in in the morning keeps working. */
    static final Duration TOKEN_TTL = Duration.ofHours(12);

    /** A minted token and when it expires. */
    record Token(String token, Instant expiresAt) {
    }

    private final TokenIssuer issuer;

    DemoSignIn(TokenIssuer issuer) {
        this.issuer = issuer;
    }

    /**
     * A token for {@code user}: role agent or admin for agents; role contact with the {@code conversations}
     * claim for contacts, which is all Switchboard lets them subscribe to.
     */
    Token issue(DemoUser user, Collection<Long> conversations) {
        Instant expiresAt = Instant.now().plus(TOKEN_TTL);
        String token = issuer.issue(user.id(), user.tokenRole(), user.name(),
                user.isStaff() ? List.of() : conversations, TOKEN_TTL);
        return new Token(token, expiresAt);
    }
}
