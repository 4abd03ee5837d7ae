-- Each live node's Pusher presence members next to its agents, so a presence channel has one member list across
-- the cluster: renewed with the lease (the full resync that heals a lost notification) and dropped with it when the
-- node dies.
ALTER TABLE realtime.cluster_presence
    -- The node's Pusher roster version the members below were taken at; orders them against its notifications.
    ADD COLUMN pusher_version bigint NOT NULL DEFAULT 0,
    -- [{"app": "<app id>", "channel": "presence-...", "user_id": "...", "user_info": {...}}]: one entry per user
    -- and presence channel with a connection on the node; user_info is left out when it was too large to share.
    ADD COLUMN pusher_members jsonb NOT NULL DEFAULT '[]'::jsonb;
