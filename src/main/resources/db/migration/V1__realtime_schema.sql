-- Switchboard's notifier: the web app writes events inside its own transaction; Switchboard delivers them
-- after COMMIT. The table is the record, LISTEN/NOTIFY only the doorbell.
--
-- Ordering: `id`, the number clients see, is NOT handed out at insert. A deferred trigger assigns it while the
-- writing transaction commits, under a transaction-scoped advisory lock that is released only after the commit
-- is visible. So ids follow commit order exactly, and a reader that has seen id N can already see every
-- committed id below N: `WHERE id > last` never skips an event whose transaction committed late (the classic
-- outbox trap), and each conversation's events arrive in commit order.

-- Schema realtime itself is created by Flyway (it keeps its history table there), see Database.migrate.

CREATE TABLE realtime.events (
    -- Handed out at insert and returned by the notify functions: the event's stable key.
    event_key       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Handed out at commit, in commit order; NULL only inside the writing transaction. This is the id on the wire.
    id              bigint      UNIQUE,
    event           text        NOT NULL,
    -- Who receives it; see dev.switchboard.routing.Audience.
    audience        text        NOT NULL,
    conversation_id bigint,
    user_id         bigint,
    data            jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_event_name CHECK (event ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
    CONSTRAINT events_audience CHECK (audience IN ('conversation', 'conversation_and_staff', 'staff', 'user')),
    CONSTRAINT events_target CHECK (
        (audience IN ('conversation', 'conversation_and_staff') AND conversation_id IS NOT NULL)
        OR (audience = 'staff')
        OR (audience = 'user' AND user_id IS NOT NULL))
);

-- Retention deletes by age; a BRIN index costs next to nothing on an append-only table.
CREATE INDEX events_created_at ON realtime.events USING brin (created_at);

COMMENT ON TABLE realtime.events IS
    'Switchboard outbox: rows are written by realtime.notify_* inside the app''s transaction and pushed to '
    'WebSocket clients after COMMIT. Old rows are pruned by Switchboard (EVENT_RETENTION).';

CREATE SEQUENCE realtime.event_id_seq AS bigint;

-- Runs at COMMIT of every transaction that wrote events (deferred constraint trigger).
-- SECURITY DEFINER because a deferred trigger runs as whoever commits: the app's role, which has no rights on
-- the table itself.
CREATE FUNCTION realtime.assign_event_id() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    -- One key for the whole schema: every event-writing commit takes it in turn. It is held until this
    -- transaction's commit is visible to others, which is what makes ids follow commit order.
    PERFORM pg_advisory_xact_lock(7317746235123830061);
    UPDATE realtime.events
       SET id = nextval('realtime.event_id_seq')
     WHERE event_key = NEW.event_key;
    -- Identical payloads within one transaction are folded into one notification by PostgreSQL.
    PERFORM pg_notify('realtime_events', '');
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER events_assign_id
    AFTER INSERT ON realtime.events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION realtime.assign_event_id();

-- The one place events are written. Internal: the app calls the notify_* functions below.
CREATE FUNCTION realtime.enqueue_event(p_event text, p_audience text, p_conversation_id bigint,
                                       p_user_id bigint, p_data jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
DECLARE
    v_key bigint;
BEGIN
    IF p_data IS NULL THEN
        RAISE EXCEPTION 'realtime: event data must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO realtime.events (event, audience, conversation_id, user_id, data)
    VALUES (p_event, p_audience, p_conversation_id, p_user_id, p_data)
    RETURNING event_key INTO v_key;
    RETURN v_key;
END
$$;

CREATE FUNCTION realtime.require(p_value bigint, p_name text) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION 'realtime: % must not be null', p_name USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN p_value;
END
$$;

CREATE FUNCTION realtime.require_payload(p_value jsonb, p_name text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF p_value IS NULL OR p_value = 'null'::jsonb THEN
        RAISE EXCEPTION 'realtime: % must not be null', p_name USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN p_value;
END
$$;

-- WebSocket::notifyNewMessage($conversationId, $messageData)
CREATE FUNCTION realtime.notify_new_message(conversation_id bigint, message jsonb) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.enqueue_event('new_message', 'conversation_and_staff',
        realtime.require($1, 'conversation_id'), NULL,
        jsonb_build_object('conversation_id', $1, 'message', realtime.require_payload($2, 'message')));
$$;

-- WebSocket::notifyConversationUpdated($conversationId, $conversationData)
CREATE FUNCTION realtime.notify_conversation_updated(conversation_id bigint, conversation jsonb) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.enqueue_event('conversation_updated', 'conversation_and_staff',
        realtime.require($1, 'conversation_id'), NULL,
        jsonb_build_object('conversation_id', $1, 'conversation', realtime.require_payload($2, 'conversation')));
$$;

-- WebSocket::notifyNewConversation($conversationData)
CREATE FUNCTION realtime.notify_new_conversation(conversation jsonb) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.enqueue_event('new_conversation', 'staff', NULL, NULL,
        jsonb_build_object('conversation', realtime.require_payload($1, 'conversation')));
$$;

-- WebSocket::notifyAgentStatus($agentId, 'online')
CREATE FUNCTION realtime.notify_agent_status(agent_id bigint, status text) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    IF status IS NULL OR status NOT IN ('online', 'offline', 'away', 'busy') THEN
        RAISE EXCEPTION 'realtime: agent status must be online, offline, away or busy, got %', coalesce(status, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN realtime.enqueue_event('agent_status', 'staff', NULL, NULL,
        jsonb_build_object('agent_id', realtime.require(agent_id, 'agent_id'), 'status', status));
END
$$;

-- WebSocket::notifyTyping($conversationId, $userId, true)
-- Typing is transient: it is not stored and has no id, but it is still sent only if the transaction commits.
CREATE FUNCTION realtime.notify_typing(conversation_id bigint, user_id bigint, is_typing boolean) RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    IF is_typing IS NULL THEN
        RAISE EXCEPTION 'realtime: is_typing must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pg_notify('realtime_ephemeral', jsonb_build_object(
        'event', 'typing',
        'conversation_id', realtime.require(conversation_id, 'conversation_id'),
        'user_id', realtime.require(user_id, 'user_id'),
        'is_typing', is_typing)::text);
END
$$;

-- WebSocket::notifyMessageRead($conversationId, $messageId, $userId)
CREATE FUNCTION realtime.notify_message_read(conversation_id bigint, message_id bigint, user_id bigint) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
    SELECT realtime.enqueue_event('message_read', 'conversation',
        realtime.require($1, 'conversation_id'), NULL,
        jsonb_build_object('conversation_id', $1,
                           'message_id', realtime.require($2, 'message_id'),
                           'user_id', realtime.require($3, 'user_id')));
$$;

-- WebSocket::notifyUser($userId, 'custom_event', $data): every connection of that user.
CREATE FUNCTION realtime.notify_user(user_id bigint, event text, data jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, realtime, pg_temp
AS $$
BEGIN
    IF event IS NULL OR event !~ '^[a-z][a-z0-9_.:-]{0,63}$' THEN
        RAISE EXCEPTION 'realtime: event name must match ^[a-z][a-z0-9_.:-]{0,63}$, got %', coalesce(event, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- These names are the protocol's own replies; a custom event wearing one would confuse every client.
    IF event IN ('authenticated', 'subscribed', 'unsubscribed', 'pong', 'error', 'presence') THEN
        RAISE EXCEPTION 'realtime: % is reserved by the protocol and cannot be a custom event', event
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN realtime.enqueue_event(event, 'user', NULL, realtime.require(user_id, 'user_id'),
        realtime.require_payload(data, 'data'));
END
$$;

COMMENT ON FUNCTION realtime.notify_new_message(bigint, jsonb) IS
    'Sends new_message to the conversation''s subscribers and every agent after COMMIT. Returns the event key.';
COMMENT ON FUNCTION realtime.notify_conversation_updated(bigint, jsonb) IS
    'Sends conversation_updated to the conversation''s subscribers and every agent after COMMIT.';
COMMENT ON FUNCTION realtime.notify_new_conversation(jsonb) IS
    'Sends new_conversation to every agent after COMMIT.';
COMMENT ON FUNCTION realtime.notify_agent_status(bigint, text) IS
    'Sends agent_status (online|offline|away|busy) to every agent after COMMIT.';
COMMENT ON FUNCTION realtime.notify_typing(bigint, bigint, boolean) IS
    'Sends typing to the conversation''s subscribers (not the typist) after COMMIT; not stored.';
COMMENT ON FUNCTION realtime.notify_message_read(bigint, bigint, bigint) IS
    'Sends message_read to the conversation''s subscribers after COMMIT.';
COMMENT ON FUNCTION realtime.notify_user(bigint, text, jsonb) IS
    'Sends a custom event to every connection of one user after COMMIT.';

-- The functions are SECURITY DEFINER: the web app's role needs USAGE on the schema and EXECUTE on the notify
-- functions, never INSERT on the table. Nothing is granted to PUBLIC, so a role that merely can see the schema
-- (a reporting user, say) cannot push events to anyone; README lists the GRANT for the app's role.
REVOKE ALL ON FUNCTION realtime.enqueue_event(text, text, bigint, bigint, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.assign_event_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.notify_new_message(bigint, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.notify_conversation_updated(bigint, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.notify_new_conversation(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.notify_agent_status(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.notify_typing(bigint, bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.notify_message_read(bigint, bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION realtime.notify_user(bigint, text, jsonb) FROM PUBLIC;
