-- Each live node's lease and its agents' connection counts, so every node can tell which nodes are alive and who
-- is connected where. A node renews its row every CLUSTER_RENEW; the others treat a row older than CLUSTER_LEASE
-- (by the database's clock, so the nodes' clocks need not agree) as a dead node and drop its agents. The row is
-- also the periodic full resync that heals a lost presence notification. A node deletes its row when it stops
-- cleanly; rows of nodes that vanished are removed after a day.
CREATE TABLE realtime.cluster_presence (
    node_id     text        PRIMARY KEY,
    -- Which run of the node: a restarted node starts its versions again under a new incarnation.
    incarnation text        NOT NULL,
    -- The node's presence version the agents below were taken at; orders them against its notifications.
    version     bigint      NOT NULL,
    -- {"<agent id>": {"connections": n, "name": "..."}} for every agent with a connection open on the node.
    agents      jsonb       NOT NULL,
    renewed_at  timestamptz NOT NULL DEFAULT now()
);
