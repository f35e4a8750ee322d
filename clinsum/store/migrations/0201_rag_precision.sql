-- Each ingestion run's embedding precision (fp32, or bf16 where the CPU has it) and the
-- process that runs it, so a run whose process was killed can be marked interrupted.
ALTER TABLE kb_ingests ADD COLUMN precision VARCHAR;
ALTER TABLE kb_ingests ADD COLUMN pid INTEGER;
