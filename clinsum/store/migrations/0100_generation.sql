-- User-defined prompting strategies: every save is a new version; generations name the version.
CREATE TABLE custom_strategies (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    language VARCHAR,
    label VARCHAR,
    description VARCHAR,
    system VARCHAR,
    user_template VARCHAR NOT NULL,
    author VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (name, version)
);
