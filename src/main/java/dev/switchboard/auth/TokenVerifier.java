package dev.switchboard.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import dev.switchboard.auth.TokenRejectedException.Reason;
import dev.switchboard.protocol.PositiveId;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies the web app's JWTs (HS256 with the shared secret, RS256 with its public key) and turns them into a
 * {@link Principal}. Signature, required-claim and {@code nbf} checks are Nimbus JOSE+JWT's; expiry is checked here
 * against the injected {@link Clock}, so "expired" is a fact this class knows rather than a library message it
 * parses; ids follow {@link PositiveId}.
 *
 * <p>Thread-safe and cheap: one instance serves every connection.
 */
public final class TokenVerifier {
    /** How far past {@code exp} a token is still accepted: Nimbus's default, for clocks that disagree. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(DefaultJWTClaimsVerifier.DEFAULT_MAX_CLOCK_SKEW_SECONDS);

    private final JWSVerifier hmac;
    private final JWSVerifier rsa;
    private final Clock clock;
    private final DefaultJWTClaimsVerifier<?> claimsVerifier;

    /**
     * A verifier on the system clock.
     *
     * @param secret    HS256 secret, or {@code null} to refuse HS256 tokens
     * @param publicKey RS256 public key, or {@code null} to refuse RS256 tokens
     */
    public TokenVerifier(String secret, RSAPublicKey publicKey) {
        this(secret, publicKey, Clock.systemUTC());
    }

    /**
     * @param secret    HS256 secret, or {@code null} to refuse HS256 tokens
     * @param publicKey RS256 public key, or {@code null} to refuse RS256 tokens
     * @param clock     the time {@code exp} and {@code nbf} are checked against
     */
    public TokenVerifier(String secret, RSAPublicKey publicKey, Clock clock) {
        if (secret == null && publicKey == null) {
            throw new IllegalArgumentException("a secret or a public key is required");
        }
        try {
            this.hmac = secret == null ? null : new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("JWT secret is unusable: " + e.getMessage(), e);
        }
        this.rsa = publicKey == null ? null : new RSASSAVerifier(publicKey);
        this.clock = Objects.requireNonNull(clock, "clock");
        // Nimbus still checks the required claims and nbf; it reads the time from our clock so that both checks
        // agree on what "now" is.
        this.claimsVerifier = new DefaultJWTClaimsVerifier<>(null, Set.of("sub", "exp", "role")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
    }

    /**
     * Checks signature, algorithm, expiry and the helpdesk claims.
     *
     * @throws TokenRejectedException with a reason that is safe to show the client
     */
    public Principal verify(String token) throws TokenRejectedException {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new TokenRejectedException(Reason.MALFORMED, "token is not a signed JWT");
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        // The algorithm is chosen by our configuration, never by the token: this is what stops "alg":"none"
        // and HS256-signed-with-the-public-key tricks.
        JWSVerifier verifier = JWSAlgorithm.HS256.equals(alg) ? hmac : JWSAlgorithm.RS256.equals(alg) ? rsa : null;
        if (verifier == null) {
            throw new TokenRejectedException(Reason.ALGORITHM, "token algorithm " + alg + " is not accepted");
        }
        JWTClaimsSet claims;
        try {
            if (!jwt.verify(verifier)) {
                throw new TokenRejectedException(Reason.BAD_SIGNATURE, "token signature is invalid");
            }
            claims = jwt.getJWTClaimsSet();
            if (hasExpired(claims.getExpirationTime())) {
                throw new TokenRejectedException(Reason.EXPIRED, "token has expired");
            }
            claimsVerifier.verify(claims, null);
        } catch (BadJWTException e) {
            throw new TokenRejectedException(Reason.INVALID_CLAIMS, "token claims are invalid: " + e.getMessage());
        } catch (JOSEException | ParseException e) {
            throw new TokenRejectedException(Reason.MALFORMED, "token cannot be verified");
        }
        return toPrincipal(claims);
    }

    /**
     * Whether {@code exp} plus the allowed skew is not after now: the same boundary Nimbus uses, so a token this
     * method lets through is never refused as expired by the claims verifier after it.
     */
    private boolean hasExpired(Date exp) {
        return exp != null && !exp.toInstant().plus(CLOCK_SKEW).isAfter(clock.instant());
    }

    private static Principal toPrincipal(JWTClaimsSet claims) throws TokenRejectedException {
        long userId = PositiveId.parse(claims.getSubject()).orElseThrow(
                () -> new TokenRejectedException(Reason.INVALID_CLAIMS, "token sub must be a positive whole-number user id"));
        Object rawRole = claims.getClaim("role");
        Role role = rawRole instanceof String ? Role.fromWire((String) rawRole) : null;
        if (role == null) {
            throw new TokenRejectedException(Reason.INVALID_CLAIMS, "token role must be agent, admin or contact");
        }
        Object rawName = claims.getClaim("name");
        String name = rawName instanceof String ? (String) rawName : null;
        Set<Long> conversations = new HashSet<>();
        Object rawConversations = claims.getClaim("conversations");
        if (rawConversations != null) {
            if (!(rawConversations instanceof List)) {
                throw new TokenRejectedException(Reason.INVALID_CLAIMS, "token conversations must be an array of ids");
            }
            for (Object id : (List<?>) rawConversations) {
                conversations.add(conversationId(id));
            }
        }
        return new Principal(userId, role, name, conversations, claims.getExpirationTime().toInstant());
    }

    private static long conversationId(Object id) throws TokenRejectedException {
        return PositiveId.fromValue(id).orElseThrow(
                () -> new TokenRejectedException(Reason.INVALID_CLAIMS, "token conversations must be an array of positive ids"));
    }
}
