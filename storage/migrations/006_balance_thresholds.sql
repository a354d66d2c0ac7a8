-- Balance thresholds a merchant sets on a wallet (WalletService.SetBalanceThreshold): notify once
-- each time the wallet's balance crosses threshold_minor in `direction`. The gateway writes id,
-- wallet_id, merchant_id, threshold_minor, direction and created_at. last_state is the balance
-- monitor's: the side of the threshold the balance was on when it last looked (NULL: not looked
-- yet), so a crossing is notified once, not on every change past it.
CREATE TABLE balance_thresholds (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  wallet_id CHAR(36) CHARACTER SET ascii NOT NULL,
  merchant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  threshold_minor BIGINT NOT NULL,
  direction ENUM('BELOW', 'ABOVE') NOT NULL,
  last_state ENUM('ABOVE', 'BELOW') NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY balance_thresholds_wallet (wallet_id, threshold_minor, direction),
  KEY balance_thresholds_merchant (merchant_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
