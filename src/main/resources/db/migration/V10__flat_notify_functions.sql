-- Flat notify functions: each notify_* function and realtime.broadcast does its own checks and its own INSERT, in
-- one PL/pgSQL function, instead of calling a chain of helpers. Nothing a caller can see changes: the same
-- signatures, parameter names and defaults, return values, rows stored, checks in the same order, error messages,
-- SQLSTATEs and hints, SECURITY DEFINER with the same fixed search_path, and the same grants (CREATE OR REPLACE
-- keeps them). Only the CONTEXT line of an error differs: it no longer names the helper that raised it.
--
-- Why. Until now notify_new_message was an SQL function that called require, require_payload, check_payload (which
-- calls max_payload_bytes) and enqueue_event: five nested PL/pgSQL calls, three of them with their own SET
-- search_path (a configuration save and restore each). Worse, an SQL function's plan lasts only as long as the query
-- that calls it, and every app transaction is a new query, so it was planned again on every call; PL/pgSQL keeps
-- its plans for the session. Measured with bench/notify-cost.sh (the backend's own CPU time per app transaction
-- `INSERT INTO an app table; [event]; COMMIT`, synchronous_commit off, V9 and V10 side by side in one PostgreSQL 17,
-- 15-21 interleaved repetitions, three runs at load average 2.4 to 7.0 on 2 cores; bench/results/notify-cost.md):
--
--     per app transaction                    V9 median     V10 median    V10 - V9, paired per repetition
--     notify_new_message                     106-168 us    83-99 us      -24 to -36 us (-23 to -29 %)
--     notify_message_read                    102-130 us    79-110 us     -21 to -22 us (-21 %)
--     broadcast(channel, event, data)        110-142 us    86-109 us     -20 to -23 us (-17 to -21 %)
--     broadcast(channels[], event, data)      91-118 us    85-122 us     -6 to -7 us (-6 %)
--     notify_user                             96-116 us    87-115 us     -2 to -10 us (-2 to -9 %)
--     notify_typing                           25-29 us     23-29 us      -2 to -3 us
--     plain INSERT + COMMIT, no event         10-13 us
--     the same event row INSERTed directly    75-82 us on V9; on V10 the same within the noise (paired +1 to +8 us)
--
-- So the re-planning of the SQL functions was most of the chain's cost; the functions that were PL/pgSQL already
-- (notify_user, the array broadcast) save only the helper calls, a few microseconds each. What remains above a bare
-- INSERT of the same row is the checks themselves, one of which serialises the data to measure it (below).
--
-- The checks are repeated in each function on purpose: every helper call was the cost. The helpers themselves stay
-- (realtime.max_payload_bytes() is how a DBA reads the cap in effect, and tests call enqueue_event), and
-- NotifyFunctionsEquivalenceTest runs every function of V9 and of this migration on the same valid and invalid
-- input and pins that they store the same rows and raise the same errors. realtime.protocol_event_names() is still
-- called: an immutable SQL function without arguments, it is folded into a constant when notify_user's statement is
-- planned, once per session, so it costs nothing per call and the list stays in one place.
--
-- Kept as it was, and why:
-- * SET search_path on every function. A SECURITY DEFINER function must not resolve a name through the caller's
--   search_path: a caller could put a function or an operator of its own (an `=` for jsonb, say) ahead of the
--   real one and run it with the owner's rights. Schema-qualifying every name instead would have to cover every
--   operator and cast, which is easy to get wrong once, and there was nothing to gain: the same notify_new_message
--   without its SET clause measured the same (paired difference -1 us; medians within 2 us in two earlier runs).
-- * The payload cap still measures octet_length(data::text): the cap is in bytes of the JSON text clients
--   receive, which is what its error message says. No cheaper measure gives the same answer: pg_column_size of
--   the jsonb can be far smaller than its text (`{"n": 1e1000}` is 30 bytes stored and 1,008 bytes of text; a
--   control character is one byte stored and six as \u0001), so it cannot even serve as a safe bound.
--   Serialising the data once per event is the cap's price.

SET LOCAL lock_timeout = '5s';

-- WebSocket::notifyNewMessage($conversationId, $messageData)
CREATE OR REPLACE FUNCTION realtime.notify_new_message(conversation_id bigint, message jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_data  jsonb;
    v_cap   text;
    v_limit integer := 262144;
    v_size  bigint;
    v_key   bigint;
BEGIN
    IF notify_new_message.conversation_id IS NULL THEN
        RAISE EXCEPTION 'realtime: conversation_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF notify_new_message.message IS NULL OR notify_new_message.message = 'null'::jsonb THEN
        RAISE EXCEPTION 'realtime: message must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_data := jsonb_build_object('conversation_id', notify_new_message.conversation_id,
                                 'message', notify_new_message.message);
    -- The cap, as realtime.max_payload_bytes() reads it.
    v_cap := nullif(btrim(current_setting('realtime.max_payload_bytes', true)), '');
    IF v_cap IS NOT NULL THEN
        IF v_cap !~ '^[0-9]{1,10}$' OR v_cap::bigint NOT BETWEEN 1024 AND 1073741823 THEN
            RAISE EXCEPTION 'realtime: realtime.max_payload_bytes must be a number of bytes from 1024 to 1073741823,'
                ' got %', v_cap
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_limit := v_cap::integer;
    END IF;
    v_size := octet_length(v_data::text);
    IF v_size > v_limit THEN
        RAISE EXCEPTION 'realtime: % data is % bytes, over the limit of % bytes', 'new_message', v_size, v_limit
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Send an id and let the page fetch the rest, or raise realtime.max_payload_bytes.';
    END IF;
    INSERT INTO realtime.events (event, audience, conversation_id, user_id, data)
    VALUES ('new_message', 'conversation_and_staff', notify_new_message.conversation_id, NULL, v_data)
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

-- WebSocket::notifyConversationUpdated($conversationId, $conversationData)
CREATE OR REPLACE FUNCTION realtime.notify_conversation_updated(conversation_id bigint, conversation jsonb)
    RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_data  jsonb;
    v_cap   text;
    v_limit integer := 262144;
    v_size  bigint;
    v_key   bigint;
BEGIN
    IF notify_conversation_updated.conversation_id IS NULL THEN
        RAISE EXCEPTION 'realtime: conversation_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF notify_conversation_updated.conversation IS NULL OR notify_conversation_updated.conversation = 'null'::jsonb
    THEN
        RAISE EXCEPTION 'realtime: conversation must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_data := jsonb_build_object('conversation_id', notify_conversation_updated.conversation_id,
                                 'conversation', notify_conversation_updated.conversation);
    -- The cap, as realtime.max_payload_bytes() reads it.
    v_cap := nullif(btrim(current_setting('realtime.max_payload_bytes', true)), '');
    IF v_cap IS NOT NULL THEN
        IF v_cap !~ '^[0-9]{1,10}$' OR v_cap::bigint NOT BETWEEN 1024 AND 1073741823 THEN
            RAISE EXCEPTION 'realtime: realtime.max_payload_bytes must be a number of bytes from 1024 to 1073741823,'
                ' got %', v_cap
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_limit := v_cap::integer;
    END IF;
    v_size := octet_length(v_data::text);
    IF v_size > v_limit THEN
        RAISE EXCEPTION 'realtime: % data is % bytes, over the limit of % bytes', 'conversation_updated', v_size,
            v_limit
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Send an id and let the page fetch the rest, or raise realtime.max_payload_bytes.';
    END IF;
    INSERT INTO realtime.events (event, audience, conversation_id, user_id, data)
    VALUES ('conversation_updated', 'conversation_and_staff', notify_conversation_updated.conversation_id, NULL,
            v_data)
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

-- WebSocket::notifyNewConversation($conversationData)
CREATE OR REPLACE FUNCTION realtime.notify_new_conversation(conversation jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_data  jsonb;
    v_cap   text;
    v_limit integer := 262144;
    v_size  bigint;
    v_key   bigint;
BEGIN
    IF notify_new_conversation.conversation IS NULL OR notify_new_conversation.conversation = 'null'::jsonb THEN
        RAISE EXCEPTION 'realtime: conversation must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_data := jsonb_build_object('conversation', notify_new_conversation.conversation);
    -- The cap, as realtime.max_payload_bytes() reads it.
    v_cap := nullif(btrim(current_setting('realtime.max_payload_bytes', true)), '');
    IF v_cap IS NOT NULL THEN
        IF v_cap !~ '^[0-9]{1,10}$' OR v_cap::bigint NOT BETWEEN 1024 AND 1073741823 THEN
            RAISE EXCEPTION 'realtime: realtime.max_payload_bytes must be a number of bytes from 1024 to 1073741823,'
                ' got %', v_cap
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_limit := v_cap::integer;
    END IF;
    v_size := octet_length(v_data::text);
    IF v_size > v_limit THEN
        RAISE EXCEPTION 'realtime: % data is % bytes, over the limit of % bytes', 'new_conversation', v_size, v_limit
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Send an id and let the page fetch the rest, or raise realtime.max_payload_bytes.';
    END IF;
    INSERT INTO realtime.events (event, audience, conversation_id, user_id, data)
    VALUES ('new_conversation', 'staff', NULL, NULL, v_data)
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

-- WebSocket::notifyAgentStatus($agentId, 'online'). Its data is two small fields: no cap, as before.
CREATE OR REPLACE FUNCTION realtime.notify_agent_status(agent_id bigint, status text) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_key bigint;
BEGIN
    IF notify_agent_status.status IS NULL OR notify_agent_status.status NOT IN ('online', 'offline', 'away', 'busy')
    THEN
        RAISE EXCEPTION 'realtime: agent status must be online, offline, away or busy, got %',
            coalesce(notify_agent_status.status, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF notify_agent_status.agent_id IS NULL THEN
        RAISE EXCEPTION 'realtime: agent_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO realtime.events (event, audience, conversation_id, user_id, data)
    VALUES ('agent_status', 'staff', NULL, NULL,
            jsonb_build_object('agent_id', notify_agent_status.agent_id, 'status', notify_agent_status.status))
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

-- WebSocket::notifyTyping($conversationId, $userId, true): not stored for replay, sent by the sequencer after COMMIT.
CREATE OR REPLACE FUNCTION realtime.notify_typing(conversation_id bigint, user_id bigint, is_typing boolean)
    RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    IF notify_typing.is_typing IS NULL THEN
        RAISE EXCEPTION 'realtime: is_typing must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF notify_typing.conversation_id IS NULL THEN
        RAISE EXCEPTION 'realtime: conversation_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF notify_typing.user_id IS NULL THEN
        RAISE EXCEPTION 'realtime: user_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO realtime.transient_events (payload) VALUES (jsonb_build_object(
        'event', 'typing',
        'conversation_id', notify_typing.conversation_id,
        'user_id', notify_typing.user_id,
        'is_typing', notify_typing.is_typing)::text);
END
$$;

-- WebSocket::notifyMessageRead($conversationId, $messageId, $userId). Three numbers: no cap, as before.
CREATE OR REPLACE FUNCTION realtime.notify_message_read(conversation_id bigint, message_id bigint, user_id bigint)
    RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_key bigint;
BEGIN
    IF notify_message_read.conversation_id IS NULL THEN
        RAISE EXCEPTION 'realtime: conversation_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF notify_message_read.message_id IS NULL THEN
        RAISE EXCEPTION 'realtime: message_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF notify_message_read.user_id IS NULL THEN
        RAISE EXCEPTION 'realtime: user_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO realtime.events (event, audience, conversation_id, user_id, data)
    VALUES ('message_read', 'conversation', notify_message_read.conversation_id, NULL,
            jsonb_build_object('conversation_id', notify_message_read.conversation_id,
                               'message_id', notify_message_read.message_id,
                               'user_id', notify_message_read.user_id))
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

-- WebSocket::notifyUser($userId, 'custom_event', $data): every connection of that user.
CREATE OR REPLACE FUNCTION realtime.notify_user(user_id bigint, event text, data jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_cap   text;
    v_limit integer := 262144;
    v_size  bigint;
    v_key   bigint;
BEGIN
    IF notify_user.event IS NULL OR notify_user.event !~ '^[a-z][a-z0-9_.:-]{0,63}$' THEN
        RAISE EXCEPTION 'realtime: event name must match ^[a-z][a-z0-9_.:-]{0,63}$, got %',
            coalesce(notify_user.event, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Clients handle these names as the protocol's own events and replies; a custom event wearing one would be
    -- taken for the real thing (a fake new_message, a presence list that replaces the real one).
    IF notify_user.event = ANY (realtime.protocol_event_names()) THEN
        RAISE EXCEPTION 'realtime: % is a protocol event name and cannot be sent with notify_user', notify_user.event
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use the matching notify_* function, or a name of your own such as app.'
                      || notify_user.event || '.';
    END IF;
    IF notify_user.user_id IS NULL THEN
        RAISE EXCEPTION 'realtime: user_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF notify_user.data IS NULL OR notify_user.data = 'null'::jsonb THEN
        RAISE EXCEPTION 'realtime: data must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- The cap, as realtime.max_payload_bytes() reads it.
    v_cap := nullif(btrim(current_setting('realtime.max_payload_bytes', true)), '');
    IF v_cap IS NOT NULL THEN
        IF v_cap !~ '^[0-9]{1,10}$' OR v_cap::bigint NOT BETWEEN 1024 AND 1073741823 THEN
            RAISE EXCEPTION 'realtime: realtime.max_payload_bytes must be a number of bytes from 1024 to 1073741823,'
                ' got %', v_cap
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_limit := v_cap::integer;
    END IF;
    v_size := octet_length(notify_user.data::text);
    IF v_size > v_limit THEN
        RAISE EXCEPTION 'realtime: % data is % bytes, over the limit of % bytes', notify_user.event, v_size, v_limit
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Send an id and let the page fetch the rest, or raise realtime.max_payload_bytes.';
    END IF;
    INSERT INTO realtime.events (event, audience, conversation_id, user_id, data)
    VALUES (notify_user.event, 'user', NULL, notify_user.user_id, notify_user.data)
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

-- Broadcasts one event to Pusher channels after COMMIT. Returns the event key.
--   except_socket_id: the socket_id of a connection that must not receive it (Laravel's toOthers()), or NULL
--   app_id:           the Pusher app whose channels these are; NULL means the node's first configured app
-- The channel check is realtime.check_channel's, inline.
CREATE OR REPLACE FUNCTION realtime.broadcast(channels text[], event text, data jsonb,
                                              except_socket_id text DEFAULT NULL, app_id text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_channel text;
    v_cap     text;
    v_limit   integer := 262144;
    v_size    bigint;
    v_key     bigint;
BEGIN
    IF broadcast.channels IS NULL OR cardinality(broadcast.channels) NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'realtime: a broadcast needs 1 to 100 channels, got %',
            coalesce(cardinality(broadcast.channels)::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_channel IN ARRAY broadcast.channels LOOP
        IF v_channel IS NULL OR char_length(v_channel) > 200
           OR v_channel !~ '^(#server-to-user-)?[-A-Za-z0-9_=@,.;]+$' THEN
            RAISE EXCEPTION 'realtime: channel name must be 1 to 200 characters of A-Z a-z 0-9 _ - = @ , . ;, got %',
                coalesce(quote_literal(left(v_channel, 210)), 'NULL')
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
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
    IF broadcast.data IS NULL OR broadcast.data = 'null'::jsonb THEN
        RAISE EXCEPTION 'realtime: data must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- The cap, as realtime.max_payload_bytes() reads it.
    v_cap := nullif(btrim(current_setting('realtime.max_payload_bytes', true)), '');
    IF v_cap IS NOT NULL THEN
        IF v_cap !~ '^[0-9]{1,10}$' OR v_cap::bigint NOT BETWEEN 1024 AND 1073741823 THEN
            RAISE EXCEPTION 'realtime: realtime.max_payload_bytes must be a number of bytes from 1024 to 1073741823,'
                ' got %', v_cap
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_limit := v_cap::integer;
    END IF;
    v_size := octet_length(broadcast.data::text);
    IF v_size > v_limit THEN
        RAISE EXCEPTION 'realtime: % data is % bytes, over the limit of % bytes', broadcast.event, v_size, v_limit
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Send an id and let the page fetch the rest, or raise realtime.max_payload_bytes.';
    END IF;
    INSERT INTO realtime.events (event, audience, channels, except_socket_id, app_id, data)
    VALUES (broadcast.event, 'channels', broadcast.channels, broadcast.except_socket_id, broadcast.app_id,
            broadcast.data)
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

-- The one-channel form. PL/pgSQL rather than SQL, so its call is planned once per session, not on every call.
CREATE OR REPLACE FUNCTION realtime.broadcast(channel text, event text, data jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    RETURN realtime.broadcast(ARRAY[broadcast.channel], broadcast.event, broadcast.data, NULL, NULL);
END
$$;

-- Resume's two indexes hold only numbered events. Resume reads `id > $1 AND id <= $2` of one conversation or one
-- user, so it never needs a row without an id, but the V5 indexes took an entry for every event when the app
-- inserted it (id still NULL), and then a second one when the sequencer numbered it: two entries per event, one of
-- them written inside the app's transaction. Measured on V9, that entry costs the app 74 B of WAL per event (1,279
-- against 1,205 B per notify_new_message transaction) and CPU within the probe's noise (paired -7 to +9 us). With
-- "id IS NOT NULL" in their predicate the app's INSERT writes none; the sequencer's UPDATE writes the one it wrote
-- already. The planner proves the predicate from `id > $1` (a strict comparison) and `conversation_id = $3` /
-- `user_id = $3`, for generic plans too: bench/notify-cost.sh prints the replay plans, each one index range of the
-- feed, as before.
--
-- Building them reads the table while holding a lock that blocks event writes. A DBA can build them beforehand
-- without blocking anyone, and this migration then finds them and only drops the old ones:
--   CREATE INDEX CONCURRENTLY events_conversation_numbered ON realtime.events (conversation_id, id)
--       WHERE conversation_id IS NOT NULL AND id IS NOT NULL;
--   CREATE INDEX CONCURRENTLY events_user_numbered ON realtime.events (user_id, id)
--       WHERE user_id IS NOT NULL AND id IS NOT NULL;
DO $$
BEGIN
    -- A concurrent build that failed leaves an invalid index behind: replace it.
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('realtime.events_conversation_numbered')
                                        AND NOT indisvalid) THEN
        DROP INDEX realtime.events_conversation_numbered;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('realtime.events_user_numbered')
                                        AND NOT indisvalid) THEN
        DROP INDEX realtime.events_user_numbered;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS events_conversation_numbered ON realtime.events (conversation_id, id)
    WHERE conversation_id IS NOT NULL AND id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_user_numbered ON realtime.events (user_id, id)
    WHERE user_id IS NOT NULL AND id IS NOT NULL;
DROP INDEX IF EXISTS realtime.events_conversation_id;
DROP INDEX IF EXISTS realtime.events_user_id;
