-- Records with the same text under different source ids (a dataset's duplicates by content).
-- The first record with a text keeps content_hash = SHA-256 of the text; every later source id
-- with the same text becomes a record of its own (its own references and generations, so each
-- is scored against its own reference) whose content_hash is '<sha256>/<record id>', and gets
-- a row here naming the record it repeats.
CREATE TABLE record_aliases (
    record_id VARCHAR PRIMARY KEY,  -- the record kept under its own source id
    same_as VARCHAR NOT NULL,       -- the first record with the same text
    text_hash VARCHAR NOT NULL,     -- SHA-256 of the shared text
    created_at TIMESTAMP DEFAULT current_timestamp
);
