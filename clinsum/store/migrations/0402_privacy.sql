-- Privacy gate: workspace settings, payloads cleared by a person, and the log of every send.
CREATE TABLE privacy_settings (
    key VARCHAR PRIMARY KEY,
    value JSON NOT NULL,
    updated_at TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE privacy_clearances (
    payload_sha256 VARCHAR PRIMARY KEY,  -- hash of the exact messages a person cleared
    residues JSON,                       -- residues marked safe for this payload
    cleared_by VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE privacy_audit (
    id VARCHAR PRIMARY KEY,
    sent_at TIMESTAMP DEFAULT current_timestamp,
    who VARCHAR,
    backend VARCHAR,
    host VARCHAR,
    purpose VARCHAR,
    records JSON,                        -- local record ids (never sent)
    tokens JSON,                         -- opaque ids sent instead (custom_id ...)
    payload_sha256 VARCHAR NOT NULL,
    n_chars INTEGER,
    gate VARCHAR NOT NULL,               -- on | off-inside
    mode VARCHAR,                        -- placeholders | surrogates
    n_replaced INTEGER,
    residues_accepted JSON
);

-- Surrogate mode: per record, the date offset and each surrogate's placeholder (local only).
CREATE TABLE privacy_surrogates (
    record_id VARCHAR NOT NULL,
    placeholder VARCHAR NOT NULL,    -- [NOMBRE_1]; '#offset' holds the record's date shift in days
    surrogate VARCHAR NOT NULL,
    PRIMARY KEY (record_id, placeholder)
);
