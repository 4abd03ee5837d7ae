package dev.switchboard.ws;

import dev.switchboard.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OriginPolicyTest {
    final OriginPolicy sameOrigin = new OriginPolicy(Set.of(), false);
    final OriginPolicy listed = new OriginPolicy(Set.of("https://app.example.com", "http://localhost:3000"), false);
    final OriginPolicy any = new OriginPolicy(Set.of(), true);

    static OriginPolicy fromConfig(String allowedOrigins) {
        Config c = Config.fromEnvironment(Map.of("ALLOWED_ORIGINS", allowedOrigins));
        return new OriginPolicy(c.listen().allowedOrigins(), c.listen().allowAnyOrigin());
    }

    @Test
    void requestWithoutOriginIsAllowed() {
        assertTrue(sameOrigin.permits(null, "helpdesk.example.com"));
        assertTrue(sameOrigin.permits(null, null));
        assertTrue(listed.permits(null, "elsewhere.example"));
    }

    @ParameterizedTest(name = "Origin {0}, Host {1}")
    @CsvSource({
            "http://localhost:8080, localhost:8080",
            "http://127.0.0.1:8080, 127.0.0.1:8080",
            "https://helpdesk.example.com, helpdesk.example.com",
            "http://helpdesk.example.com, helpdesk.example.com",
            "https://helpdesk.example.com, helpdesk.example.com:443",
            "http://helpdesk.example.com, helpdesk.example.com:80",
            "https://helpdesk.example.com:8443, helpdesk.example.com:8443",
            "HTTPS://HelpDesk.Example.COM, helpdesk.example.com",
            "https://helpdesk.example.com, HELPDESK.EXAMPLE.COM",
            "' https://helpdesk.example.com ', ' helpdesk.example.com '",
            "'http://[::1]:8080', '[::1]:8080'"})
    void sameOriginByHostIsAllowed(String origin, String host) {
        assertTrue(sameOrigin.permits(origin, host));
    }

    @ParameterizedTest(name = "Origin {0}, Host {1}")
    @CsvSource({
            "https://evil.example, helpdesk.example.com",
            "https://helpdesk.example.com.evil.example, helpdesk.example.com",
            "https://evil-helpdesk.example.com, helpdesk.example.com",
            "https://helpdesk.example.com, helpdesk.example.com.evil.example",
            "http://localhost:8081, localhost:8080",
            "http://localhost, localhost:8080",
            "http://localhost:8080, localhost",
            "https://helpdesk.example.com:8443, helpdesk.example.com",
            "http://helpdesk.example.com, helpdesk.example.com:443",
            "https://helpdesk.example.com, helpdesk.example.com:80",
            "null, localhost:8080",
            "not a url, localhost:8080",
            "file:///etc/passwd, localhost:8080",
            "http://, localhost:8080"})
    void foreignOriginIsRefused(String origin, String host) {
        assertFalse(sameOrigin.permits(origin, host));
    }

    @Test
    void originWithoutHostHeaderIsRefused() {
        assertFalse(sameOrigin.permits("http://localhost:8080", null));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https://app.example.com", "HTTPS://APP.EXAMPLE.COM", "https://App.Example.Com",
            " https://app.example.com ", "http://localhost:3000"})
    void listedOriginsMatchExactlyIgnoringCase(String origin) {
        assertTrue(listed.permits(origin, "ws.example.com"));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"http://app.example.com", "https://app.example.com:8443", "https://app.example.com/",
            "https://app.example.com.evil.example", "https://sub.app.example.com", "https://example.com",
            "http://localhost:3001", "http://localhost", "null", ""})
    void unlistedOriginsAreRefused(String origin) {
        assertFalse(listed.permits(origin, "ws.example.com"));
    }

    @Test
    void aListAddsToTheSameOriginRule() {
        assertTrue(listed.permits("https://ws.example.com", "ws.example.com"),
                "ALLOWED_ORIGINS adds origins; the server's own origin stays allowed");
    }

    @Test
    void listFromConfigIsCaseInsensitiveBothWays() {
        OriginPolicy policy = fromConfig("HTTPS://App.Example.com, http://LOCALHOST:3000");
        assertTrue(policy.permits("https://app.example.com", "ws.example.com"));
        assertTrue(policy.permits("https://APP.example.COM", "ws.example.com"));
        assertTrue(policy.permits("http://localhost:3000", "ws.example.com"));
        assertFalse(policy.permits("https://evil.example", "ws.example.com"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https://evil.example", "null", "http://localhost:1", "anything at all"})
    void starAllowsEveryOrigin(String origin) {
        assertTrue(any.permits(origin, "helpdesk.example.com"));
        assertTrue(any.permits(origin, null));
        assertTrue(fromConfig("*").permits(origin, "helpdesk.example.com"));
    }

    @Test
    void nullOriginIsRefusedByDefault() {
        assertFalse(sameOrigin.permits("null", "localhost:8080"));
        assertFalse(sameOrigin.permits("null", "null"), "a Host header of 'null' does not make it same-origin");
        assertFalse(listed.permits("null", "localhost:8080"));
    }
}
