-- Ledger wallet path.
-- A wallet's transactions, newest first, are read from its entries: (account, time, transaction)
-- serves that keyset page without sorting every entry of the wallet.
ALTER TABLE ledger_entries ADD KEY ledger_entries_account_time (account_id, created_at, transaction_id);

-- A compensating VOID transaction (the void of a POSTED action) names the transaction it reverses.
ALTER TABLE ledger_transactions ADD COLUMN reverses_transaction_id CHAR(36) CHARACTER SET ascii NULL AFTER action_id;
