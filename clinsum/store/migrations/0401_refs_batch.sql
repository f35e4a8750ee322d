-- Reference generation through the OpenAI Batch API: one row per batch, one per request.
CREATE TABLE ref_batches (
    id VARCHAR PRIMARY KEY,          -- local id (refb-...)
    remote_id VARCHAR,               -- the provider's batch id
    input_file_id VARCHAR,
    output_file_id VARCHAR,
    error_file_id VARCHAR,
    status VARCHAR NOT NULL,         -- prepared | uploaded | submitted | <remote status> | fetched
    remote_status VARCHAR,
    model VARCHAR NOT NULL,
    base_url VARCHAR,
    deid BOOLEAN NOT NULL,
    reidentify BOOLEAN NOT NULL,
    options JSON,                    -- prompts, keep types, decoding
    estimate JSON,
    request_counts JSON,
    error VARCHAR,
    retry_of VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp,
    updated_at TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE ref_batch_items (
    batch_id VARCHAR NOT NULL,
    custom_id VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    prompt_name VARCHAR NOT NULL,
    request JSON NOT NULL,           -- the exact JSONL line sent
    status VARCHAR NOT NULL,         -- pending | done | failed | retried
    reference_id VARCHAR,
    response_text VARCHAR,           -- the answer as received (placeholders kept)
    error VARCHAR,
    usage JSON,
    updated_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (batch_id, custom_id)
);
