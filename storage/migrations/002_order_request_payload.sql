-- The gateway keeps the whole validated SubmitOrder request (canonical JSON), so an order whose
-- OrderSubmitted was not published (a crash between insert and publish, a broker outage) can be
-- rebuilt and republished exactly as first accepted. LONGTEXT rather than JSON: MySQL 8 and
-- MariaDB then hand back the same thing, the canonical text that was hashed.
ALTER TABLE order_requests ADD COLUMN request_json LONGTEXT NULL AFTER request_hash
