-- Each node's latest stats snapshot, written every couple of seconds, so every node's operations page can show
-- the whole cluster. Rows of nodes that went silent are ignored after a few seconds and removed after a day.
CREATE TABLE realtime.nodes (
    node_id    text        PRIMARY KEY,
    stats      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
