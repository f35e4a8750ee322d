-- Expert annotation: annotators, the review queue, blinded pairwise items, autosaved drafts
-- and settings (overlap). Submissions themselves live in `annotations` (0001_core).
CREATE TABLE annotators (
    name VARCHAR PRIMARY KEY,
    active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMP DEFAULT current_timestamp,
    last_seen_at TIMESTAMP
);

-- Everything that can be annotated: a reference version under review, or a pairwise item.
CREATE TABLE annotation_items (
    item_kind VARCHAR NOT NULL,     -- reference | pairwise
    item_id VARCHAR NOT NULL,       -- reference_summaries.id | pairwise_items.id
    record_id VARCHAR NOT NULL,
    added_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (item_kind, item_id)
);

-- Two summaries of one record; the order shown is drawn once and kept (blinding).
CREATE TABLE pairwise_items (
    id VARCHAR PRIMARY KEY,
    record_id VARCHAR NOT NULL,
    a_kind VARCHAR NOT NULL,        -- reference | generation
    a_id VARCHAR NOT NULL,
    b_kind VARCHAR NOT NULL,
    b_id VARCHAR NOT NULL,
    swapped BOOLEAN NOT NULL,       -- true: shown left = b, right = a
    created_at TIMESTAMP DEFAULT current_timestamp,
    UNIQUE (a_kind, a_id, b_kind, b_id)
);

-- Work in progress, saved on every change so a closed tab or a restart loses nothing.
CREATE TABLE annotation_drafts (
    annotator VARCHAR NOT NULL,
    item_kind VARCHAR NOT NULL,
    item_id VARCHAR NOT NULL,
    data JSON,
    updated_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (annotator, item_kind, item_id)
);

CREATE TABLE annotation_settings (
    key VARCHAR PRIMARY KEY,
    value JSON
);
