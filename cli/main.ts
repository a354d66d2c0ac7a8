import { ConfigError, loadConfig } from '../config';
import { UsageError } from './cli.errors';
import { dlqCommand } from './commands/dlq.command';
import { importBalancesCommand } from './commands/import-balances.command';
import { logsCommand } from './commands/logs.command';
import { reconcileCommand } from './commands/reconcile.command';
import { merchantCommand } from './commands/merchant.command';
import { migrateCommand } from './commands/migrate.command';
import { orderCommand } from './commands/order.command';
import { startCommand } from './commands/start.command';
import { walletCommand } from './commands/wallet.command';
import { createRootLogger } from './root.logger';

const HELP = `paystream <command>

  start [role]        run every role in one process, or one role (gateway, payment, ledger, logger, notification, erp-sync, erp-simulator)
  migrate             create the database and apply pending migrations
  merchant create     create a merchant: prints its id, API key and wallet id as JSON
  order submit|get    submit an order or read one over gRPC
  wallet …            create wallets, top up, use, transfer, void, thresholds (gRPC client)
  import-balances F   import opening balances from a CSV file (wallet_id,merchant_id,kind,currency,posted_minor)
  logs                read the audit log (filters; --follow to tail)
  reconcile           compare the ledger with the ERP (--from --to [--repair]); exit 0 only when clean
  dlq list|show|replay  dead letters of every topic (recorded by the logger role)

Configuration comes from environment variables (see README.md).`;

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...args] = argv;
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    print(HELP);
    return;
  }
  // Configuration is read once, here, and passed down.
  const config = loadConfig(process.env);
  const logger = createRootLogger(config.LOG_LEVEL, command === 'start' ? (args[0] ?? 'all') : command);
  switch (command) {
    case 'start':
      return startCommand(args, config, logger, { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS });
    case 'migrate':
      return migrateCommand(config, print);
    case 'merchant':
      return merchantCommand(args, config, print);
    case 'order':
      return orderCommand(args, config, print);
    case 'logs':
      return logsCommand(args, config, print);
    case 'wallet':
      return walletCommand(args, config, print);
    case 'import-balances':
      return importBalancesCommand(args, config, print);
    case 'reconcile':
      return reconcileCommand(args, config, logger, print);
    case 'dlq':
      return dlqCommand(args, config, logger, print);
    default:
      throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  () => {
    // Commands other than `start` end here; `start` returns after a graceful stop.
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`paystream: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    const code = typeof err === 'object' && err !== null && 'code' in err ? ` (${String((err).code)})` : '';
    process.stderr.write(`paystream: ${err instanceof Error ? err.message : String(err)}${code}\n`);
    process.exitCode = 1;
  },
);
