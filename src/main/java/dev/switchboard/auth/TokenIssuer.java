package dev.switchboard.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;

/**
 * Mints HS256 tokens in the shape the web app is expected to mint: for the {@code token} CLI, the demo helpdesk
 * and tests. Production pages get their tokens from the team's own web app.
 */
public final class TokenIssuer {
    private final MACSigner signer;

    public TokenIssuer(String secret) {
        try {
            this.signer = new MACSigner(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("JWT secret is unusable: " + e.getMessage(), e);
        }
    }

    /**
     * @param userId        becomes {@code sub}, as a string
     * @param role          the user's role
     * @param name          display name, or {@code null}
     * @param conversations for contacts, the conversations they may see; ignored when empty
     * @param ttl           lifetime from now
     */
    public String issue(long userId, Role role, String name, Collection<Long> conversations, Duration ttl) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(Long.toString(userId))
                .claim("role", role.wireName())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)));
        if (name != null) {
            claims.claim("name", name);
        }
        if (conversations != null && !conversations.isEmpty()) {
            claims.claim("conversations", List.copyOf(conversations));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return jwt.serialize();
    }
}
