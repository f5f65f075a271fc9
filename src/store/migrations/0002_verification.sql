-- The cross-check: whether a result was backed by the participant's keypoints, and what the
-- server detected for a mismatch flag. Still numbers only.
ALTER TABLE results ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flags ADD COLUMN detected INTEGER;
