-- Guards in the notify functions, so a mistake in the web app fails its own transaction with a clear error
-- instead of reaching every client:
--
-- * notify_user refuses every event name the protocol itself sends (new_message, typing, ...): a custom event
--   wearing one would be handled by clients as the real thing.
-- * Event data is capped, 256 KiB by default. A 20 MB message would otherwise be stored and pushed whole to every
--   agent. The error is raised inside the caller's transaction, before anything is written, so nothing of it is
--   ever delivered; the transaction is aborted and cannot commit.
--
-- The cap is the custom setting realtime.max_payload_bytes, so a DBA sets it like any other parameter, for the
-- whole database or one role, without a migration:
--     ALTER DATABASE helpdesk SET realtime.max_payload_bytes = '1048576';
--     ALTER ROLE helpdesk_app SET realtime.max_payload_bytes = '1048576';
-- (new sessions see the change; a session may also SET it for a one-off bulk import). Unset means 256 KiB.
--
-- Only the notify functions are redefined (same signatures, so their grants stay); the storage path below them
-- (enqueue_event, triggers, sequencing) is left as it is, so this applies on top of any version of it.

-- The largest event data accepted, in bytes of its JSON text: realtime.max_payload_bytes, or 262144 (256 KiB).
CREATE FUNCTION realtime.max_payload_bytes() RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_text text := nullif(btrim(current_setting('realtime.max_payload_bytes', true)), '');
BEGIN
    IF v_text IS NULL THEN
        RETURN 262144;
    END IF;
    IF v_text !~ '^[0-9]{1,10}$' OR v_text::bigint NOT BETWEEN 1024 AND 1073741823 THEN
        RAISE EXCEPTION 'realtime: realtime.max_payload_bytes must be a number of bytes from 1024 to 1073741823,'
            ' got %', v_text
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_text::integer;
END
$$;

-- Returns p_data when it fits the cap; raises program_limit_exceeded naming the event, its size and the cap.
CREATE FUNCTION realtime.check_payload(p_event text, p_data jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_limit integer := realtime.max_payload_bytes();
    v_size  bigint;
BEGIN
    -- The JSON text is what every client receives; its length is what the cap is about.
    v_size := octet_length(p_data::text);
    IF v_size > v_limit THEN
        RAISE EXCEPTION 'realtime: % data is % bytes, over the limit of % bytes', p_event, v_size, v_limit
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Send an id and let the page fetch the rest, or raise realtime.max_payload_bytes.';
    END IF;
    RETURN p_data;
END
$$;

-- Every event name the server itself sends, durable, transient or as a reply, and the ones it reserves.
CREATE FUNCTION realtime.protocol_event_names() RETURNS text[]
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT ARRAY['new_message', 'conversation_updated', 'new_conversation', 'agent_status', 'typing',
                 'message_read', 'authenticated', 'subscribed', 'unsubscribed', 'pong', 'error', 'presence',
                 'resync_required'];
$$;

CREATE OR REPLACE FUNCTION realtime.notify_new_message(conversation_id bigint, message jsonb) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.enqueue_event('new_message', 'conversation_and_staff',
        realtime.require($1, 'conversation_id'), NULL,
        realtime.check_payload('new_message', jsonb_build_object('conversation_id', $1,
            'message', realtime.require_payload($2, 'message'))));
$$;

CREATE OR REPLACE FUNCTION realtime.notify_conversation_updated(conversation_id bigint, conversation jsonb)
    RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.enqueue_event('conversation_updated', 'conversation_and_staff',
        realtime.require($1, 'conversation_id'), NULL,
        realtime.check_payload('conversation_updated', jsonb_build_object('conversation_id', $1,
            'conversation', realtime.require_payload($2, 'conversation'))));
$$;

CREATE OR REPLACE FUNCTION realtime.notify_new_conversation(conversation jsonb) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.enqueue_event('new_conversation', 'staff', NULL, NULL,
        realtime.check_payload('new_conversation', jsonb_build_object(
            'conversation', realtime.require_payload($1, 'conversation'))));
$$;

CREATE OR REPLACE FUNCTION realtime.notify_user(user_id bigint, event text, data jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    IF event IS NULL OR event !~ '^[a-z][a-z0-9_.:-]{0,63}$' THEN
        RAISE EXCEPTION 'realtime: event name must match ^[a-z][a-z0-9_.:-]{0,63}$, got %', coalesce(event, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Clients handle these names as the protocol's own events and replies; a custom event wearing one would be
    -- taken for the real thing (a fake new_message, a presence list that replaces the real one).
    IF event = ANY (realtime.protocol_event_names()) THEN
        RAISE EXCEPTION 'realtime: % is a protocol event name and cannot be sent with notify_user', event
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use the matching notify_* function, or a name of your own such as app.' || event || '.';
    END IF;
    RETURN realtime.enqueue_event(event, 'user', NULL, realtime.require(user_id, 'user_id'),
        realtime.check_payload(event, realtime.require_payload(data, 'data')));
END
$$;

COMMENT ON FUNCTION realtime.max_payload_bytes() IS
    'The largest event data the notify functions accept, in bytes of JSON text: setting '
    'realtime.max_payload_bytes, default 262144 (256 KiB).';
COMMENT ON FUNCTION realtime.notify_user(bigint, text, jsonb) IS
    'Sends a custom event to every connection of one user after COMMIT. Protocol event names are refused.';

-- Internal helpers; the notify functions (SECURITY DEFINER) call them as the schema owner.
REVOKE ALL ON FUNCTION realtime.check_payload(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.protocol_event_names() FROM PUBLIC;
