-- Fine-tuning: versioned training datasets and the adapters trained on them.
CREATE TABLE finetune_datasets (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    source VARCHAR NOT NULL,        -- references | jsonl
    base_model VARCHAR,             -- whose chat template rendered the examples
    template VARCHAR,               -- chat template family used (model, chatml, llama3, ...)
    n_train INTEGER,
    n_val INTEGER,
    stats JSON,                     -- token-length statistics, cut-off, dropped examples
    options JSON,                   -- every option used to build it
    path VARCHAR NOT NULL,          -- folder with train.jsonl / val.jsonl / meta.json
    created_at TIMESTAMP DEFAULT current_timestamp,
    UNIQUE (name, version)
);

CREATE TABLE finetune_adapters (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    job_id VARCHAR,
    base_model VARCHAR NOT NULL,    -- local path (or hub id) of the base model
    adapter_path VARCHAR NOT NULL,  -- folder loadable with peft.PeftModel.from_pretrained
    dataset_id VARCHAR,
    config JSON,                    -- the training configuration
    results JSON,                   -- losses, trainable params, sizes, time, peak memory
    exports JSON,                   -- merged / gguf exports: kind -> path
    created_at TIMESTAMP DEFAULT current_timestamp
);
