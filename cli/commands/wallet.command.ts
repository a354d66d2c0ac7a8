import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { AppConfig } from '../../config';
import { actionRejectionOf, createWalletClient, type WalletKindName } from '../../gateway';
import { UsageError } from '../cli.errors';

const USAGE = `usage: paystream wallet <command> --api-key KEY [--address host:port] …
  create --kind personal|enterprise|reseller --currency USD [--name N] [--credit-limit MINOR] [--parent WALLET] [--child-limit MINOR]
  get WALLET
  topup WALLET AMOUNT_MINOR [--reference REF]
  use WALLET AMOUNT_MINOR [--description TEXT]
  transfer FROM TO AMOUNT_MINOR
  void ACTION_ID
  action ACTION_ID
  threshold WALLET AMOUNT_MINOR --direction below|above
  transactions WALLET [--page-size N]
Amounts are integers in minor units (cents). --idempotency-key K makes a retry safe (default: a new key).`;

/** `paystream wallet …`: a small gRPC client of WalletService for trying it by hand. */
export async function walletCommand(args: readonly string[], config: AppConfig, print: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      address: { type: 'string', default: `127.0.0.1:${config.GRPC_PORT}` },
      kind: { type: 'string', default: 'personal' },
      currency: { type: 'string', default: 'USD' },
      name: { type: 'string' },
      'credit-limit': { type: 'string' },
      parent: { type: 'string' },
      'child-limit': { type: 'string' },
      reference: { type: 'string', default: 'cli' },
      description: { type: 'string', default: 'cli' },
      direction: { type: 'string', default: 'below' },
      'page-size': { type: 'string', default: '20' },
      'idempotency-key': { type: 'string' },
      'timeout-ms': { type: 'string', default: '10000' },
    },
    strict: true,
  });
  const apiKey = values['api-key'];
  if (sub === undefined || apiKey === undefined) throw new UsageError(USAGE);
  const client = createWalletClient(values.address ?? '', apiKey);
  const settings = { timeoutMs: Number(values['timeout-ms']) };
  const key = values['idempotency-key'] ?? randomUUID();
  const arg = (i: number, what: string): string => {
    const value = positionals[i];
    if (value === undefined) throw new UsageError(`${sub} needs ${what}\n${USAGE}`);
    return value;
  };
  const show = (value: unknown): void => print(JSON.stringify(value, null, 2));
  try {
    switch (sub) {
      case 'create':
        show(
          await client.createWallet(
            {
              kind: (values.kind ?? 'personal').toUpperCase() as WalletKindName,
              currency: values.currency ?? 'USD',
              ...(values.name === undefined ? {} : { name: values.name }),
              ...(values['credit-limit'] === undefined ? {} : { creditLimitMinor: values['credit-limit'] }),
              ...(values.parent === undefined ? {} : { parentWalletId: values.parent }),
              ...(values['child-limit'] === undefined ? {} : { childLimitMinor: values['child-limit'] }),
            },
            settings,
          ),
        );
        return;
      case 'get':
        show(await client.getWallet(arg(0, 'a WALLET id'), settings));
        return;
      case 'topup':
        show(await client.topUp({ idempotencyKey: key, walletId: arg(0, 'a WALLET id'), amountMinor: arg(1, 'an AMOUNT'), externalReference: values.reference ?? 'cli' }, settings));
        return;
      case 'use':
        show(await client.use({ idempotencyKey: key, walletId: arg(0, 'a WALLET id'), amountMinor: arg(1, 'an AMOUNT'), description: values.description ?? 'cli' }, settings));
        return;
      case 'transfer':
        show(await client.transfer({ idempotencyKey: key, fromWalletId: arg(0, 'FROM'), toWalletId: arg(1, 'TO'), amountMinor: arg(2, 'an AMOUNT') }, settings));
        return;
      case 'void':
        show(await client.voidAction({ idempotencyKey: key, actionId: arg(0, 'an ACTION_ID') }, settings));
        return;
      case 'action':
        show(await client.getAction(arg(0, 'an ACTION_ID'), settings));
        return;
      case 'threshold': {
        const direction = (values.direction ?? 'below').toUpperCase();
        if (direction !== 'BELOW' && direction !== 'ABOVE') throw new UsageError('--direction must be below or above');
        show(await client.setBalanceThreshold({ walletId: arg(0, 'a WALLET id'), thresholdMinor: arg(1, 'an AMOUNT'), direction }, settings));
        return;
      }
      case 'transactions':
        show(await client.listTransactions(arg(0, 'a WALLET id'), { pageSize: Number(values['page-size']) }, settings));
        return;
      default:
        throw new UsageError(USAGE);
    }
  } catch (err) {
    const rejection = actionRejectionOf(err);
    if (rejection !== undefined) {
      show({ rejected: true, ...rejection });
      process.exitCode = 3;
      return;
    }
    throw err;
  } finally {
    client.close();
  }
}
