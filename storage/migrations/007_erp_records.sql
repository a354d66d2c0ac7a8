-- erp_records: one row per ledger transaction that erp-sync records as an ERP journal entry (the first
-- HELD WalletUpdated of the transaction), and the state of its exchange with the ERP. Every state lives
-- here, so nothing is lost while the ERP is away: the sender picks due rows
--   status IN ('PENDING', 'CANCEL_PENDING') AND next_attempt_at <= now
-- and the poller picks SENT rows whose next_attempt_at (the next poll) is due.
-- PENDING -> SENT -> CONFIRMED | REJECTED; PENDING -> REJECTED (validation) | FAILED (needs a person);
-- a voided transaction: PENDING never tried -> CANCELLED, otherwise -> CANCEL_PENDING -> CANCELLED.
-- payload: the journal entry request as JSON text (LONGTEXT: MySQL 8 and MariaDB give back the same text).
CREATE TABLE erp_records (
  ledger_transaction_id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  wallet_id CHAR(36) CHARACTER SET ascii NOT NULL,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  amount_minor BIGINT NOT NULL,
  payload LONGTEXT NOT NULL,
  status ENUM('PENDING', 'SENT', 'CONFIRMED', 'REJECTED', 'CANCEL_PENDING', 'CANCELLED', 'FAILED') NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL,
  erp_id VARCHAR(128) NULL,
  reason VARCHAR(500) NULL,
  last_error VARCHAR(1000) NULL,
  answered_via ENUM('WEBHOOK', 'POLL', 'RECONCILE') NULL,
  correlation_id VARCHAR(64) NOT NULL,
  causation_id CHAR(36) CHARACTER SET ascii NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  sent_at DATETIME(3) NULL,
  answered_at DATETIME(3) NULL,
  KEY erp_records_due (status, next_attempt_at),
  KEY erp_records_erp_id (erp_id),
  KEY erp_records_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
