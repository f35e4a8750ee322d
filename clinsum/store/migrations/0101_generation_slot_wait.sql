-- Seconds a generation waited for a free backend slot, kept apart from total_seconds (which
-- now measures the model calls only), so time plots compare models, not queueing.
ALTER TABLE generations ADD COLUMN slot_wait_seconds DOUBLE;
