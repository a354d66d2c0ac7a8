import type { Logger } from 'pino';
import { isRole, ROLES, startApp, type Role } from '../../app';
import type { AppConfig } from '../../config';
import { UsageError } from '../cli.errors';

/** `paystream start [role]`: every role in one process, or one role. Stops gracefully on SIGTERM/SIGINT. */
export async function startCommand(args: readonly string[], config: AppConfig, logger: Logger): Promise<void> {
  const role = args[0];
  let roles: readonly Role[];
  if (role === undefined || role === 'all') {
    roles = ROLES;
  } else if (isRole(role)) {
    // The ERP simulator stands alone (HTTP only); every other role needs the topics shared with the rest.
    if (config.TRANSPORT === 'memory' && role !== 'erp-simulator') {
      throw new UsageError(
        `role "${role}" alone cannot work on TRANSPORT=memory: the memory transport lives inside one process, so the other roles would never see its messages. ` +
          'Run `paystream start` (all roles in one process) or set TRANSPORT=redis (or kafka, pulsar) to run roles as separate processes.',
      );
    }
    roles = [role];
  } else {
    throw new UsageError(`unknown role "${role}"; roles: ${ROLES.join(', ')}`);
  }

  const app = await startApp({ config, roles, logger });
  logger.info({ roles, transport: config.TRANSPORT }, 'paystream started');
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting without draining');
        process.exit(130);
      }
      logger.info({ signal }, 'stopping: draining in-flight work');
      app.stop().then(
        () => {
          logger.info('stopped');
          resolve();
        },
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
