package dev.switchboard.config;

import dev.switchboard.pusher.PusherApp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Pusher-compatible side of the node: which apps pusher-js and Laravel Echo may connect to at
 * {@code /app/{key}}, and what one such connection may ask for.
 *
 * @param apps                     the configured apps; empty means the Pusher protocol is off, unless
 *                                 {@code devApp} asks the embedded default for one
 * @param devApp                   no app is configured and no {@code DATABASE_URL} either: the embedded default
 *                                 creates a development app at start (see {@link #withApps})
 * @param maxMessageBytes          largest client message; a larger one closes the connection with 1009
 * @param maxChannelsPerConnection channels one connection may be subscribed to at once
 * @param maxPresenceMembers       distinct users on one presence channel
 * @param clientEvents             whether {@code client-*} events (Echo's whisper) are relayed
 * @param clientEventsPerSecond    client events one connection may send per second
 * @param activityTimeout          silence after which the server pings a connection (and tells clients to ping
 *                                 sooner); one that stays silent as long again is closed with 4201
 */
public record PusherConfig(List<PusherApp> apps, boolean devApp, int maxMessageBytes, int maxChannelsPerConnection,
                           int maxPresenceMembers, boolean clientEvents, int clientEventsPerSecond,
                           Duration activityTimeout) {
    /** Keys and ids travel in URL paths; secrets are only ever HMAC keys. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final int MIN_SECRET_LENGTH = 8;

    static final Setting PUSHER_APP_ID = Setting.computed("PUSHER_APP_ID", "(none; a dev app when embedded)",
            "id of the Pusher app served at /app/{key} and /apps/{id}; with PUSHER_APP_KEY and PUSHER_APP_SECRET."
                    + " No app: the Pusher protocol is off");
    static final Setting PUSHER_APP_KEY = Setting.computed("PUSHER_APP_KEY", "(none)",
            "public key pusher-js and Laravel Echo connect with");
    static final Setting PUSHER_APP_SECRET = Setting.computed("PUSHER_APP_SECRET", "(none)",
            "secret that signs channel authorisations, sign-ins and HTTP API requests");
    static final Setting REVERB_APP_ID = Setting.computed("REVERB_APP_ID", "(none)",
            "accepted in place of PUSHER_APP_ID, so a Laravel Reverb .env works unchanged");
    static final Setting REVERB_APP_KEY = Setting.computed("REVERB_APP_KEY", "(none)",
            "accepted in place of PUSHER_APP_KEY");
    static final Setting REVERB_APP_SECRET = Setting.computed("REVERB_APP_SECRET", "(none)",
            "accepted in place of PUSHER_APP_SECRET");
    static final Setting PUSHER_APPS = Setting.computed("PUSHER_APPS", "(none)",
            "further apps, comma-separated id:key:secret triples");
    static final Setting PUSHER_MAX_MESSAGE_BYTES = Setting.of("PUSHER_MAX_MESSAGE_BYTES", "10000",
            "largest message a Pusher client may send; larger ones close with 1009 (MAX_FRAME_BYTES bounds each frame"
                    + " too)");
    static final Setting PUSHER_MAX_CHANNELS = Setting.of("PUSHER_MAX_CHANNELS", "100",
            "channels one Pusher connection may be subscribed to at once");
    static final Setting PUSHER_MAX_PRESENCE_MEMBERS = Setting.of("PUSHER_MAX_PRESENCE_MEMBERS", "100",
            "distinct users on one presence channel; more are refused with pusher:subscription_error");
    static final Setting PUSHER_CLIENT_EVENTS = Setting.of("PUSHER_CLIENT_EVENTS", "true",
            "relay client-* events (Echo's whisper) on private and presence channels");
    static final Setting PUSHER_CLIENT_EVENTS_PER_SECOND = Setting.of("PUSHER_CLIENT_EVENTS_PER_SECOND", "10",
            "client events one connection may send per second; more get pusher:error 4301");
    static final Setting PUSHER_ACTIVITY_TIMEOUT = Setting.of("PUSHER_ACTIVITY_TIMEOUT", "30s",
            "silence after which a Pusher connection is pinged; silent as long again, it is closed with 4201");

    /** Every variable this group reads, in the order the help table lists them. */
    public static final List<Setting> SETTINGS = List.of(PUSHER_APP_ID, PUSHER_APP_KEY, PUSHER_APP_SECRET,
            REVERB_APP_ID, REVERB_APP_KEY, REVERB_APP_SECRET, PUSHER_APPS, PUSHER_MAX_MESSAGE_BYTES,
            PUSHER_MAX_CHANNELS, PUSHER_MAX_PRESENCE_MEMBERS, PUSHER_CLIENT_EVENTS, PUSHER_CLIENT_EVENTS_PER_SECOND,
            PUSHER_ACTIVITY_TIMEOUT);

    public PusherConfig {
        apps = List.copyOf(apps);
    }

    /** Whether {@code /app/{key}} is served: at least one app is configured. */
    public boolean enabled() {
        return !apps.isEmpty();
    }

    /** The same limits with {@code resolved} apps, once the embedded default has made its development app. */
    public PusherConfig withApps(List<PusherApp> resolved) {
        return new PusherConfig(resolved, false, maxMessageBytes, maxChannelsPerConnection, maxPresenceMembers,
                clientEvents, clientEventsPerSecond, activityTimeout);
    }

    /** @param databaseUrlGiven whether the operator set {@code DATABASE_URL}: then no development app is made */
    static PusherConfig from(EnvReader r, boolean databaseUrlGiven) {
        List<PusherApp> apps = new ArrayList<>();
        PusherApp main = single(r, PUSHER_APP_ID, PUSHER_APP_KEY, PUSHER_APP_SECRET);
        PusherApp reverb = single(r, REVERB_APP_ID, REVERB_APP_KEY, REVERB_APP_SECRET);
        if (main != null) {
            apps.add(main);
        }
        if (reverb != null && !reverb.equals(main)) {
            apps.add(reverb);
        }
        String more = r.string(PUSHER_APPS);
        if (more != null) {
            for (String triple : more.split(",")) {
                String[] parts = triple.trim().split(":", -1);
                if (parts.length != 3) {
                    r.problem(PUSHER_APPS, "must list id:key:secret triples separated by commas, got '"
                            + triple.trim().replaceAll(":[^:,]*$", ":***") + "'");
                    continue;
                }
                PusherApp app = checked(r, PUSHER_APPS, parts[0], parts[1], parts[2]);
                if (app != null) {
                    apps.add(app);
                }
            }
        }
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (PusherApp app : apps) {
            if (!ids.add(app.id()) || !keys.add(app.key())) {
                r.problem(PUSHER_APPS, "names app id " + app.id() + " or key " + app.key() + " twice");
            }
        }
        int maxMessage = r.integer(PUSHER_MAX_MESSAGE_BYTES, 1024, 16 * 1024 * 1024);
        int maxChannels = r.integer(PUSHER_MAX_CHANNELS, 1, 10_000);
        int maxMembers = r.integer(PUSHER_MAX_PRESENCE_MEMBERS, 1, 100_000);
        boolean clientEvents = r.bool(PUSHER_CLIENT_EVENTS, true);
        int clientRate = r.integer(PUSHER_CLIENT_EVENTS_PER_SECOND, 1, 10_000);
        Duration activity = r.duration(PUSHER_ACTIVITY_TIMEOUT, Duration.ofSeconds(1), Duration.ofHours(1));
        if (activity.toMillis() % 1000 != 0) {
            // pusher:connection_established tells clients the timeout in whole seconds.
            r.problem(PUSHER_ACTIVITY_TIMEOUT, "must be whole seconds, got '" + r.string(PUSHER_ACTIVITY_TIMEOUT)
                    + "'");
        }
        return new PusherConfig(apps, apps.isEmpty() && !databaseUrlGiven, maxMessage, maxChannels, maxMembers,
                clientEvents, clientRate, activity);
    }

    /** One app from three variables, which must be set together or not at all. */
    private static PusherApp single(EnvReader r, Setting id, Setting key, Setting secret) {
        boolean anySet = r.isSet(id) || r.isSet(key) || r.isSet(secret);
        if (!anySet) {
            return null;
        }
        if (!(r.isSet(id) && r.isSet(key) && r.isSet(secret))) {
            r.problem(id, "must be set together with " + key.name() + " and " + secret.name());
            return null;
        }
        return checked(r, id, r.string(id), r.string(key), r.string(secret));
    }

    private static PusherApp checked(EnvReader r, Setting setting, String id, String key, String secret) {
        boolean ok = true;
        if (!NAME.matcher(id).matches() || !NAME.matcher(key).matches()) {
            r.problem(setting, "app ids and keys are 1 to 100 letters, digits, '.', '_' or '-', got id '" + id
                    + "' and key '" + key + "'");
            ok = false;
        }
        if (secret.length() < MIN_SECRET_LENGTH) {
            r.problem(setting, "app secret must be at least " + MIN_SECRET_LENGTH + " characters");
            ok = false;
        }
        return ok ? new PusherApp(id, key, secret) : null;
    }
}
