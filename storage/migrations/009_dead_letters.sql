-- Dead letters of every topic, kept in MySQL so operators can list, inspect and replay them
-- whatever the transport (`paystream dlq`).
CREATE TABLE dead_letters (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source_topic VARCHAR(128) CHARACTER SET ascii NOT NULL,
  consumer_group VARCHAR(128) CHARACTER SET ascii NOT NULL,
  source_partition INT NOT NULL,
  source_position VARCHAR(64) CHARACTER SET ascii NOT NULL,
  event_id VARCHAR(64) NOT NULL,
  event_type VARCHAR(64) NOT NULL,
  message_key VARCHAR(255) NOT NULL,
  error VARCHAR(2100) NOT NULL,
  error_code VARCHAR(64) NOT NULL,
  attempts INT NOT NULL,
  headers LONGTEXT NOT NULL,
  payload MEDIUMBLOB NOT NULL,
  failed_at DATETIME(3) NOT NULL,
  recorded_at DATETIME(3) NOT NULL,
  replayed_at DATETIME(3) NULL,
  UNIQUE KEY dead_letters_source (source_topic, consumer_group, source_partition, source_position),
  KEY dead_letters_topic_time (source_topic, failed_at),
  KEY dead_letters_open (replayed_at, failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
