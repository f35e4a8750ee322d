-- MLflow tracking: the run each tracked job (grid, scoring, fine-tuning) reports to.
CREATE TABLE tracking_runs (
    job_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    experiment_id VARCHAR,
    tracking_uri VARCHAR,           -- where the run lives (a password in it is redacted)
    created_at TIMESTAMP DEFAULT current_timestamp
);
