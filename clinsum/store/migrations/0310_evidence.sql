-- Evidence alignment: each summary sentence of a generation or reference version traced to the
-- record sentences that support it. content_hash names the inputs (record text, summary text,
-- method version): a changed record or summary makes the stored alignment stale.
CREATE TABLE evidence_alignments (
    target_kind VARCHAR NOT NULL,   -- generation | reference
    target_id VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    alignment JSON NOT NULL,        -- sentences, labels, evidence, record sentences, sections
    computed_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (target_kind, target_id)
);
