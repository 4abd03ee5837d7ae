-- Pusher channel events from the app's own transaction: realtime.broadcast, the Pusher-side twin of the
-- notify_* functions. A broadcast is one more row of realtime.events (audience 'channels'), so it is numbered by the
-- same sequencer, read by the same listener on every node, delivered only after COMMIT, never after ROLLBACK, and
-- in commit order with every other event. The HTTP API (POST /apps/{id}/events) writes its events through the
-- same function.
--
-- Names follow Pusher's rules, checked here so a mistake fails the app's own transaction with a clear error:
--   channel: 1 to 200 characters of A-Z a-z 0-9 _ - = @ , . ; (or #server-to-user-<id>, the user channel)
--   event:   1 to 200 characters, no control characters, not pusher:* or pusher_internal:* (pusher-js would take
--            such an event for one of the protocol's own)
--   at most 100 channels per event; data capped by realtime.max_payload_bytes like the notify functions.

SET LOCAL lock_timeout = '5s';

-- Nullable, no default: adding them only changes the catalogue, whatever the table's size.
ALTER TABLE realtime.events ADD COLUMN channels text[];
ALTER TABLE realtime.events ADD COLUMN except_socket_id text;
ALTER TABLE realtime.events ADD COLUMN app_id text;

COMMENT ON COLUMN realtime.events.channels IS 'Pusher channels of a broadcast (audience channels).';
COMMENT ON COLUMN realtime.events.except_socket_id IS
    'A Pusher socket_id that must not receive the broadcast (the sender''s own connection), or NULL.';
COMMENT ON COLUMN realtime.events.app_id IS 'The Pusher app of a broadcast; NULL means the first configured app.';

-- The constraints are widened, never narrowed: every existing row met the narrower ones, so checking them again
-- (a full scan while holding the table's lock) would prove nothing. NOT VALID skips that scan; new rows are checked.
ALTER TABLE realtime.events DROP CONSTRAINT events_audience;
ALTER TABLE realtime.events ADD CONSTRAINT events_audience
    CHECK (audience IN ('conversation', 'conversation_and_staff', 'staff', 'user', 'channels')) NOT VALID;

ALTER TABLE realtime.events DROP CONSTRAINT events_target;
ALTER TABLE realtime.events ADD CONSTRAINT events_target CHECK (
    (audience IN ('conversation', 'conversation_and_staff') AND conversation_id IS NOT NULL)
    OR (audience = 'staff')
    OR (audience = 'user' AND user_id IS NOT NULL)
    OR (audience = 'channels' AND channels IS NOT NULL AND cardinality(channels) BETWEEN 1 AND 100)) NOT VALID;

-- Pusher event names are the app's (Laravel sends its event class, App\Events\MessageSent); the helpdesk names
-- keep their own rule.
ALTER TABLE realtime.events DROP CONSTRAINT events_event_name;
ALTER TABLE realtime.events ADD CONSTRAINT events_event_name CHECK (
    event ~ '^[a-z][a-z0-9_.:-]{0,63}$'
    OR (audience = 'channels' AND char_length(event) BETWEEN 1 AND 200)) NOT VALID;

-- Raises invalid_parameter_value unless p_channel is a channel name Pusher accepts.
CREATE FUNCTION realtime.check_channel(p_channel text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    IF p_channel IS NULL OR char_length(p_channel) > 200
       OR p_channel !~ '^(#server-to-user-)?[-A-Za-z0-9_=@,.;]+$' THEN
        RAISE EXCEPTION 'realtime: channel name must be 1 to 200 characters of A-Z a-z 0-9 _ - = @ , . ;, got %',
            coalesce(quote_literal(left(p_channel, 210)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN p_channel;
END
$$;

-- Broadcasts one event to Pusher channels after COMMIT. Returns the event key.
--   except_socket_id: the socket_id of a connection that must not receive it (Laravel's toOthers()), or NULL
--   app_id:           the Pusher app whose channels these are; NULL means the node's first configured app
CREATE FUNCTION realtime.broadcast(channels text[], event text, data jsonb, except_socket_id text DEFAULT NULL,
                                   app_id text DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_channel text;
    v_key     bigint;
BEGIN
    IF broadcast.channels IS NULL OR cardinality(broadcast.channels) NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'realtime: a broadcast needs 1 to 100 channels, got %',
            coalesce(cardinality(broadcast.channels)::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_channel IN ARRAY broadcast.channels LOOP
        PERFORM realtime.check_channel(v_channel);
    END LOOP;
    IF broadcast.event IS NULL OR char_length(broadcast.event) NOT BETWEEN 1 AND 200
       OR broadcast.event ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'realtime: event name must be 1 to 200 characters without control characters, got %',
            coalesce(quote_literal(left(broadcast.event, 210)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF broadcast.event LIKE 'pusher:%' OR broadcast.event LIKE 'pusher\_internal:%' THEN
        RAISE EXCEPTION 'realtime: % is reserved for the Pusher protocol itself', broadcast.event
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF broadcast.except_socket_id IS NOT NULL AND broadcast.except_socket_id !~ '^[0-9]{1,20}\.[0-9]{1,20}$' THEN
        RAISE EXCEPTION 'realtime: except_socket_id must look like 1234.5678, got %',
            quote_literal(left(broadcast.except_socket_id, 50))
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF broadcast.app_id IS NOT NULL AND char_length(broadcast.app_id) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'realtime: app_id must be 1 to 200 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO realtime.events (event, audience, channels, except_socket_id, app_id, data)
    VALUES (broadcast.event, 'channels', broadcast.channels, broadcast.except_socket_id, broadcast.app_id,
            realtime.check_payload(broadcast.event, realtime.require_payload(broadcast.data, 'data')))
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

CREATE FUNCTION realtime.broadcast(channel text, event text, data jsonb) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.broadcast(ARRAY[$1], $2, $3, NULL, NULL);
$$;

-- Closes every Pusher connection of one user (signed in as, or present as, user_id) on every node, after COMMIT:
-- what POST /apps/{id}/users/{user_id}/terminate_connections does, and what an app may do in the transaction that
-- bans the user. Stored as an event on the user's channel under a name realtime.broadcast refuses, so no
-- broadcast can pass for it; the nodes act on it instead of publishing it.
CREATE FUNCTION realtime.terminate_user_connections(user_id text, app_id text DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_key bigint;
BEGIN
    IF terminate_user_connections.user_id IS NULL OR terminate_user_connections.user_id = '' THEN
        RAISE EXCEPTION 'realtime: user_id must not be empty' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF terminate_user_connections.app_id IS NOT NULL
       AND char_length(terminate_user_connections.app_id) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'realtime: app_id must be 1 to 200 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO realtime.events (event, audience, channels, app_id, data)
    VALUES ('pusher_internal:terminate_connections', 'channels',
            ARRAY[realtime.check_channel('#server-to-user-' || terminate_user_connections.user_id)],
            terminate_user_connections.app_id, '{}'::jsonb)
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

COMMENT ON FUNCTION realtime.terminate_user_connections(text, text) IS
    'Closes every Pusher connection of one user, on every node, after COMMIT. Returns the event key.';
COMMENT ON FUNCTION realtime.broadcast(text[], text, jsonb, text, text) IS
    'Sends a Pusher event to up to 100 channels after COMMIT, except to one socket_id. A JSON string as data is '
    'sent as that string, any other JSON value as its JSON text. Returns the event key.';
COMMENT ON FUNCTION realtime.broadcast(text, text, jsonb) IS
    'Sends a Pusher event to one channel after COMMIT. Returns the event key.';

REVOKE ALL ON FUNCTION realtime.check_channel(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.broadcast(text[], text, jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.broadcast(text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.terminate_user_connections(text, text) FROM PUBLIC;
