-- Core tables. Ids are short text ids; JSON columns hold structured details.
CREATE TABLE records (
    id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    language VARCHAR,
    title VARCHAR,
    text VARCHAR NOT NULL,
    sections JSON,
    content_hash VARCHAR NOT NULL UNIQUE,
    n_chars INTEGER,
    meta JSON,
    imported_at TIMESTAMP DEFAULT current_timestamp
);

-- A reference summary; an edit is a new version of the same record's reference.
CREATE TABLE reference_summaries (
    id VARCHAR PRIMARY KEY,
    record_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    author VARCHAR,
    model VARCHAR,
    prompt VARCHAR,
    provenance JSON,
    status VARCHAR NOT NULL DEFAULT 'draft',  -- draft | validated | edited | rejected
    parent_id VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp,
    UNIQUE (record_id, version)
);

CREATE TABLE generations (
    id VARCHAR PRIMARY KEY,
    record_id VARCHAR NOT NULL,
    backend VARCHAR NOT NULL,
    model VARCHAR,
    adapter VARCHAR,
    strategy VARCHAR NOT NULL,
    prompt_version VARCHAR,
    language VARCHAR,
    temperature DOUBLE,
    decoding VARCHAR,               -- greedy | sample | beam | top_k | top_p ...
    params JSON,                    -- every generation option used
    text VARCHAR,                   -- shown and scored (reasoning blocks stripped)
    raw_output VARCHAR,             -- exactly what the model returned
    prompts JSON,                   -- the prompts sent, stage by stage
    timings JSON,                   -- seconds per stage
    total_seconds DOUBLE,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    retrieval JSON,                 -- passages used (RAG), with distances
    error VARCHAR,
    grid_id VARCHAR,
    cell_key VARCHAR UNIQUE,        -- a grid cell's identity: never generated twice
    created_at TIMESTAMP DEFAULT current_timestamp
);

-- One value per (scored text, reference, metric value name, metric version).
CREATE TABLE metrics (
    target_kind VARCHAR NOT NULL,   -- generation | reference
    target_id VARCHAR NOT NULL,
    reference_id VARCHAR NOT NULL DEFAULT '',
    metric VARCHAR NOT NULL,        -- family, e.g. rouge
    name VARCHAR NOT NULL,          -- value, e.g. rouge1_f
    metric_version VARCHAR NOT NULL,
    value DOUBLE,
    details JSON,
    computed_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (target_kind, target_id, reference_id, name, metric_version)
);

CREATE TABLE annotations (
    id VARCHAR PRIMARY KEY,
    item_kind VARCHAR NOT NULL,     -- reference | pairwise
    item_id VARCHAR NOT NULL,
    record_id VARCHAR,
    annotator VARCHAR NOT NULL,
    scores JSON,
    verdict VARCHAR,
    comment VARCHAR,
    spans JSON,
    details JSON,
    created_at TIMESTAMP DEFAULT current_timestamp,
    updated_at TIMESTAMP DEFAULT current_timestamp,
    UNIQUE (item_kind, item_id, annotator)
);

CREATE TABLE jobs (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    title VARCHAR,
    status VARCHAR NOT NULL,        -- queued | running | stopping | stopped | done | failed
    config JSON,
    resource VARCHAR,               -- e.g. gpu: one running job per resource
    pid INTEGER,
    error VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
