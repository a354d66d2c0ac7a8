-- The outputs an input event caused are kept with its inbox row: a processor publishes them after its
-- commit and before it acknowledges the input, and publishes them again when the input comes back
-- (redelivered after a crash or a failed publish). Its outputs then need no outbox row, written and
-- deleted once per output. NULL: a consumer that publishes nothing, or a row of an earlier version.
ALTER TABLE inbox ADD COLUMN outputs MEDIUMBLOB NULL;
