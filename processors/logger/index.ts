/**
 * The audit logger: every event once in `log_entries`, the `orders` and `transactions` projections,
 * and the reading side `paystream logs` uses.
 */
export { createLoggerProcessor } from './logger.processor';
export type { LoggerProcessorOptions, FollowOptions } from './options';
export { LOGGER_DEFAULTS, FOLLOW_DEFAULTS } from './options';
export { queryLogs, followLogs } from './log-query';
export { formatLogLine } from './log-format';
export { toLogEntry, describe as describeEvent, levelOf as logLevelOf, serviceOfTopic } from './log-entry';
export type { LogEntry } from './log-entry';
export { formatAmount, formatMinor, currencyExponent } from './money.format';
export { LOG_LEVELS } from './types';
export type { LogFilter, LogLevel, LogQuery, LogRow } from './types';
