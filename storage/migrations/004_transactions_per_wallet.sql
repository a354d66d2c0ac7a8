-- transactions: one row per (ledger transaction, wallet). A transfer's one ledger transaction changes
-- two wallets, and wallet.updates carries a WalletUpdated for each; keyed by id alone they overwrote
-- each other. Reads by id still use the primary key's prefix.
ALTER TABLE transactions DROP PRIMARY KEY, ADD PRIMARY KEY (id, wallet_id);
