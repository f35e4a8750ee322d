-- Knowledge bases (RAG): one Chroma collection each under <workspace>/kb/, described here.
CREATE TABLE kb_bases (
    name VARCHAR PRIMARY KEY,
    description VARCHAR,
    layout VARCHAR,                 -- medmcqa | headqa | qa | text | references (last used)
    source VARCHAR,                 -- last file or source ingested
    embed_model VARCHAR,
    max_chars INTEGER,              -- characters of a passage that are embedded
    n_passages INTEGER DEFAULT 0,
    n_rows INTEGER DEFAULT 0,       -- rows read over every ingestion
    n_problems INTEGER DEFAULT 0,
    meta JSON,
    created_at TIMESTAMP DEFAULT current_timestamp,
    updated_at TIMESTAMP DEFAULT current_timestamp
);

-- One ingestion run (a file or the workspace's references into a base); resumes add runs.
CREATE TABLE kb_ingests (
    id VARCHAR PRIMARY KEY,
    base VARCHAR NOT NULL,
    source VARCHAR,
    layout VARCHAR,
    mapping JSON,
    job_id VARCHAR,
    status VARCHAR,                 -- running | done | stopped | failed
    rows_read INTEGER DEFAULT 0,
    added INTEGER DEFAULT 0,
    existing INTEGER DEFAULT 0,     -- already stored (skipped on resume)
    duplicates INTEGER DEFAULT 0,   -- repeated inside the source
    problems INTEGER DEFAULT 0,
    problems_sample JSON,           -- the first problems, with line numbers
    seconds DOUBLE,
    started_at TIMESTAMP DEFAULT current_timestamp,
    finished_at TIMESTAMP
);
