-- Secrets that reached job configs and errors before they were scrubbed on write (issue 11):
-- values under secret-named keys (api_key, hf_token, password …, not max_tokens) and
-- key-shaped strings (sk-…, hf_…) become "[redacted]". Nothing else changes.
UPDATE jobs SET config = CAST(regexp_replace(regexp_replace(CAST(config AS VARCHAR),
    '("(?:[A-Za-z0-9]*[_\-])*(?:api[_\-]?key|apikey|secret|password|passwd|pwd|token|access[_\-]?key|private[_\-]?key|authorization|bearer|credentials?)(?:[_\-][A-Za-z0-9_\-]*)?"\s*:\s*)"[^"]*"',
    '\1"[redacted]"', 'gi'),
    '\bsk-[A-Za-z0-9_\-]{16,}|\bhf_[A-Za-z0-9]{20,}', '[redacted]', 'g') AS JSON)
WHERE config IS NOT NULL;
UPDATE jobs SET error = regexp_replace(error, '\bsk-[A-Za-z0-9_\-]{16,}|\bhf_[A-Za-z0-9]{20,}', '[redacted]', 'g')
WHERE error IS NOT NULL;
