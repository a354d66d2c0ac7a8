import type { logCreator, LogEntry } from 'kafkajs';
import { logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * kafkajs logs through pino: errors and warnings as such, its chatty info (joins, restarts) at debug,
 * its debug at trace. While `quiet()` holds (an aborted subscription whose connections were cut on
 * purpose), everything goes to debug.
 */
export function kafkaLogCreator(logger: Logger, quiet: () => boolean = () => false): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message } = log;
      const fields: Record<string, unknown> = { kafkajs: namespace };
      // pino stamps its own time.
      for (const [name, value] of Object.entries(log)) if (name !== 'message' && name !== 'timestamp') fields[name] = value;
      if (quiet()) {
        logger.debug(fields, message);
        return;
      }
      switch (level) {
        case logLevel.ERROR:
          logger.error(fields, message);
          return;
        case logLevel.WARN:
          logger.warn(fields, message);
          return;
        case logLevel.INFO:
          logger.debug(fields, message);
          return;
        default:
          logger.trace(fields, message);
      }
    };
}

/** The most detailed kafkajs level worth producing for `logger` (kafkajs skips building the rest). */
export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}
