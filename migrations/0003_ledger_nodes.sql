-- Issue 9, finding 2: the ledger's complete subtree hashes (RFC 9162 section 2.1), so tree
-- heads and proofs read O(log n) rows instead of every leaf. Node (level, idx) is the Merkle
-- tree hash of leaves [idx * 2^level, (idx + 1) * 2^level); level 0 is ledger_entries.leaf_hash
-- and is not repeated here.
CREATE TABLE ledger_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);
-- How many leaves have all their complete subtrees stored. Its own row, so that building nodes
-- (which takes this row's lock) never queues the appenders waiting on ledger_state.
CREATE TABLE ledger_tree (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    nodes_size INTEGER NOT NULL
);
INSERT INTO ledger_tree (id, nodes_size) VALUES (1, 0);
