import type { Logger } from 'pino';
import { isRole, ROLES, startApp, type Role } from '../../app';
import type { AppConfig } from '../../config';
import { UsageError } from '../cli.errors';
import { applyHeapGrowth, type NodeStart } from '../heap-growth';

/**
 * `paystream start [roles]`: every role in one process, one role, or a comma-separated list of
 * roles (e.g. every role but the ERP simulator, which then runs as its own process or is a real ERP).
 * Stops gracefully on SIGTERM/SIGINT. `started`: how Node was started, for the heap growth policy
 * (`HEAP_GROWING_PERCENT`, see {@link applyHeapGrowth}).
 */
export async function startCommand(args: readonly string[], config: AppConfig, logger: Logger, started: NodeStart): Promise<void> {
  const roles = parseRoles(args[0], config);
  const heapGrowth = applyHeapGrowth(config.HEAP_GROWING_PERCENT, started);
  const app = await startApp({ config, roles, logger });
  logger.info({ roles, transport: config.TRANSPORT, heapGrowth }, 'paystream started');
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

/** The roles named by `spec` (undefined or `all`: every role), checked against the transport. */
export function parseRoles(spec: string | undefined, config: Pick<AppConfig, 'TRANSPORT'>): readonly Role[] {
  if (spec === undefined || spec === 'all') return ROLES;
  const names = spec.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isRole(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown role${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `"${n}"`).join(', ')}; roles: ${ROLES.join(', ')} (one, a comma-separated list, or all)`);
  }
  const roles = ROLES.filter((role) => names.includes(role));
  // The ERP simulator stands alone (HTTP only); every other role needs the topics shared with the rest.
  const missing = ROLES.filter((role) => role !== 'erp-simulator' && !roles.includes(role));
  const onlySimulator = roles.length === 1 && roles[0] === 'erp-simulator';
  if (config.TRANSPORT === 'memory' && missing.length > 0 && !onlySimulator) {
    throw new UsageError(
      `roles ${roles.join(',')} without ${missing.join(', ')} cannot work on TRANSPORT=memory: the memory transport lives inside one process, so the other roles would never see its messages. ` +
        'Run `paystream start` (all roles in one process), add the missing roles, or set TRANSPORT=redis (or kafka, pulsar) to run roles as separate processes.',
    );
  }
  return roles;
}
