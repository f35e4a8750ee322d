-- De-identification: placeholder -> original surface per record. Local only, never sent.
CREATE TABLE deid_mappings (
    record_id VARCHAR NOT NULL,
    placeholder VARCHAR NOT NULL,   -- e.g. [NOMBRE_1]
    phi_type VARCHAR NOT NULL,      -- MEDDOCAN type
    surface VARCHAR NOT NULL,       -- the original text
    created_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (record_id, placeholder)
);
