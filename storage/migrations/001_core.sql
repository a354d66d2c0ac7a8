-- paystream core schema. Money: BIGINT minor units + CHAR(3) currency; never floats.
-- Ids are UUID strings (CHAR(36), ascii). Times: DATETIME(3) in UTC.

CREATE TABLE merchants (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  email VARCHAR(254) NOT NULL,
  phone VARCHAR(32) NOT NULL,
  default_currency CHAR(3) CHARACTER SET ascii NOT NULL,
  notify_email TINYINT(1) NOT NULL DEFAULT 1,
  notify_sms TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- API keys are stored as SHA-256 of the key; the key itself is shown once, at creation.
CREATE TABLE api_keys (
  key_hash CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  created_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NULL,
  KEY api_keys_merchant (merchant_id)
) ENGINE=InnoDB;

-- Wallets and system accounts alike. Balances are credit-normal: a positive entry raises the balance.
-- While a ledger transaction is HELD its entries sit in pending_in (positive) / pending_out (negative);
-- confirmation moves them to posted, release takes them out.
CREATE TABLE accounts (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  merchant_id CHAR(36) CHARACTER SET ascii NULL,
  kind ENUM('personal', 'enterprise', 'reseller', 'system') NOT NULL,
  system_code VARCHAR(64) CHARACTER SET ascii NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  parent_account_id CHAR(36) CHARACTER SET ascii NULL,
  is_default TINYINT(1) NOT NULL DEFAULT 0,
  credit_limit_minor BIGINT NOT NULL DEFAULT 0,
  child_limit_minor BIGINT NULL,
  posted_minor BIGINT NOT NULL DEFAULT 0,
  pending_in_minor BIGINT NOT NULL DEFAULT 0,
  pending_out_minor BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY accounts_system (system_code, currency),
  KEY accounts_merchant (merchant_id, currency, is_default),
  KEY accounts_parent (parent_account_id)
) ENGINE=InnoDB;

CREATE TABLE ledger_transactions (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  kind ENUM('SALE', 'TOP_UP', 'USAGE', 'TRANSFER', 'VOID', 'OPENING_BALANCE') NOT NULL,
  status ENUM('HELD', 'POSTED', 'RELEASED', 'REJECTED', 'VOIDED') NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  amount_minor BIGINT NOT NULL,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  wallet_id CHAR(36) CHARACTER SET ascii NOT NULL,
  order_id CHAR(36) CHARACTER SET ascii NULL,
  action_id CHAR(36) CHARACTER SET ascii NULL,
  source_event_id CHAR(36) CHARACTER SET ascii NOT NULL,
  memo VARCHAR(500) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  settled_at DATETIME(3) NULL,
  UNIQUE KEY ledger_transactions_order (order_id),
  KEY ledger_transactions_wallet (wallet_id, created_at),
  KEY ledger_transactions_status (status, created_at),
  KEY ledger_transactions_created (created_at)
) ENGINE=InnoDB;

-- Immutable: rows are only ever inserted. Corrections are new transactions.
CREATE TABLE ledger_entries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  transaction_id CHAR(36) CHARACTER SET ascii NOT NULL,
  account_id CHAR(36) CHARACTER SET ascii NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ledger_entries_transaction (transaction_id),
  KEY ledger_entries_account (account_id, id)
) ENGINE=InnoDB;

-- The gateway's record of each accepted order request: idempotency and the order's existence.
CREATE TABLE order_requests (
  order_id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  idempotency_key VARCHAR(128) NOT NULL,
  request_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  total_minor BIGINT NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  published TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY order_requests_idempotency (merchant_id, idempotency_key),
  KEY order_requests_unpublished (published, created_at),
  KEY order_requests_merchant_time (merchant_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE payments (
  order_id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  outcome ENUM('CAPTURED', 'DECLINED') NOT NULL,
  payment_id VARCHAR(64) NULL,
  psp_reference VARCHAR(128) NULL,
  amount_minor BIGINT NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  reason_code VARCHAR(64) NULL,
  reason VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL
) ENGINE=InnoDB;

-- Inbox: one row per (processor, input event) written in the same transaction as the effect.
CREATE TABLE inbox (
  consumer VARCHAR(64) CHARACTER SET ascii NOT NULL,
  event_id CHAR(36) CHARACTER SET ascii NOT NULL,
  processed_at DATETIME(3) NOT NULL,
  PRIMARY KEY (consumer, event_id)
) ENGINE=InnoDB;

-- Outbox: outputs committed with the effect, published after commit, deleted once published.
CREATE TABLE outbox (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  producer VARCHAR(64) CHARACTER SET ascii NOT NULL,
  event_id CHAR(36) CHARACTER SET ascii NOT NULL,
  topic VARCHAR(128) CHARACTER SET ascii NOT NULL,
  message_key VARCHAR(128) NOT NULL,
  headers JSON NOT NULL,
  payload MEDIUMBLOB NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY outbox_event (producer, event_id),
  KEY outbox_age (producer, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Audit log: every event once (idempotent by event id).
CREATE TABLE log_entries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id CHAR(36) CHARACTER SET ascii NOT NULL,
  logged_at DATETIME(3) NOT NULL,
  produced_at DATETIME(3) NOT NULL,
  service VARCHAR(64) NOT NULL,
  level ENUM('debug', 'info', 'warn', 'error') NOT NULL,
  event_type VARCHAR(64) NOT NULL,
  topic VARCHAR(128) NOT NULL,
  message_key VARCHAR(128) NOT NULL,
  correlation_id VARCHAR(64) NOT NULL,
  causation_id VARCHAR(64) NOT NULL,
  order_id CHAR(36) CHARACTER SET ascii NULL,
  wallet_id CHAR(36) CHARACTER SET ascii NULL,
  merchant_id CHAR(36) CHARACTER SET ascii NULL,
  message VARCHAR(1000) NOT NULL,
  payload JSON NOT NULL,
  UNIQUE KEY log_entries_event (event_id),
  KEY log_entries_correlation (correlation_id),
  KEY log_entries_merchant_time (merchant_id, produced_at),
  KEY log_entries_order (order_id),
  KEY log_entries_wallet (wallet_id, produced_at),
  KEY log_entries_time (produced_at),
  KEY log_entries_level_time (level, produced_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Projection for log consumers: one row per order, kept by the logger.
CREATE TABLE orders (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  status ENUM('PENDING', 'COMPLETED', 'FAILED') NOT NULL,
  total_minor BIGINT NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  fee_minor BIGINT NULL,
  net_minor BIGINT NULL,
  customer_id VARCHAR(128) NOT NULL,
  item_count INT NOT NULL,
  payment_id VARCHAR(64) NULL,
  ledger_transaction_id CHAR(36) CHARACTER SET ascii NULL,
  failure_reason VARCHAR(500) NULL,
  submitted_at DATETIME(3) NOT NULL,
  completed_at DATETIME(3) NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY orders_merchant_time (merchant_id, submitted_at),
  KEY orders_status_time (status, submitted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Projection for log consumers: one row per ledger transaction as seen on wallet.updates.
CREATE TABLE transactions (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  wallet_id CHAR(36) CHARACTER SET ascii NOT NULL,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  cause VARCHAR(32) NOT NULL,
  status VARCHAR(16) NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  order_id CHAR(36) CHARACTER SET ascii NULL,
  action_id CHAR(36) CHARACTER SET ascii NULL,
  shadow_after_minor BIGINT NOT NULL,
  occurred_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY transactions_wallet_time (wallet_id, occurred_at),
  KEY transactions_merchant_time (merchant_id, occurred_at),
  KEY transactions_order (order_id)
) ENGINE=InnoDB;

-- One row per (source event, channel): at most one delivery under redelivery.
CREATE TABLE notifications (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  source_event_id CHAR(36) CHARACTER SET ascii NOT NULL,
  channel ENUM('EMAIL', 'SMS') NOT NULL,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  template VARCHAR(64) NOT NULL,
  recipient VARCHAR(254) NOT NULL,
  status ENUM('PENDING', 'SENDING', 'SENT', 'FAILED', 'NOT_CONFIGURED', 'OPTED_OUT') NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  provider VARCHAR(64) NULL,
  provider_message_id VARCHAR(255) NULL,
  last_error VARCHAR(1000) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY notifications_event_channel (source_event_id, channel),
  KEY notifications_merchant_time (merchant_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
