-- Balance actions (TOP_UP, USAGE, TRANSFER, VOID) as the gateway accepted them; the ledger owns
-- `status` from then on: PENDING (accepted, not decided) → HELD | REJECTED → POSTED | RELEASED | VOIDED.
CREATE TABLE wallet_actions (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  idempotency_key VARCHAR(128) NOT NULL,
  request_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  request_json LONGTEXT NOT NULL,
  kind ENUM('TOP_UP', 'USAGE', 'TRANSFER', 'VOID') NOT NULL,
  wallet_id CHAR(36) CHARACTER SET ascii NOT NULL,
  counterparty_wallet_id CHAR(36) CHARACTER SET ascii NULL,
  amount_minor BIGINT NULL,
  currency CHAR(3) CHARACTER SET ascii NULL,
  voids_action_id CHAR(36) CHARACTER SET ascii NULL,
  external_reference VARCHAR(128) NULL,
  description VARCHAR(500) NULL,
  status ENUM('PENDING', 'HELD', 'REJECTED', 'POSTED', 'RELEASED', 'VOIDED') NOT NULL DEFAULT 'PENDING',
  reason_code VARCHAR(64) NULL,
  reason VARCHAR(500) NULL,
  ledger_transaction_id CHAR(36) CHARACTER SET ascii NULL,
  voided_by_action_id CHAR(36) CHARACTER SET ascii NULL,
  published TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  decided_at DATETIME(3) NULL,
  settled_at DATETIME(3) NULL,
  UNIQUE KEY wallet_actions_idempotency (merchant_id, idempotency_key),
  UNIQUE KEY wallet_actions_voids (voids_action_id),
  KEY wallet_actions_wallet_time (wallet_id, created_at),
  KEY wallet_actions_counterparty_time (counterparty_wallet_id, created_at),
  KEY wallet_actions_unpublished (published, created_at),
  KEY wallet_actions_ledger_tx (ledger_transaction_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE accounts ADD COLUMN name VARCHAR(200) NULL AFTER kind;
