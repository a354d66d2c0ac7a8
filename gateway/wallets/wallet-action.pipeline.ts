import type { Logger } from 'pino';
import type { EventCodec } from '../../schemas';
import { TOPICS } from '../../schemas';
import type { Transport } from '../../streams';
import type { MicroBatcherOptions } from '../batching/micro-batcher';
import { IdempotentSubmitter } from '../submissions/idempotent.submitter';
import { SubmissionPublisher } from '../submissions/submission.publisher';
import { balanceActionMessage, parseStoredAction } from './wallet-action.request';
import type { NewWalletAction, StoredWalletAction, WalletActionStore } from './wallet-action.store';

export interface WalletActionPipelineDeps {
  store: WalletActionStore;
  transport: Transport;
  codec: EventCodec;
  log: Logger;
  batching: MicroBatcherOptions;
}

/**
 * The write side of balance actions: a publisher of BalanceActionRequested (rebuilt from the
 * stored request, keyed by wallet) and the batched idempotent submitter that uses it.
 */
export function createWalletActionPipeline(deps: WalletActionPipelineDeps): {
  publisher: SubmissionPublisher<StoredWalletAction>;
  submitter: IdempotentSubmitter<NewWalletAction, StoredWalletAction>;
} {
  const publisher = new SubmissionPublisher<StoredWalletAction>(
    {
      topic: TOPICS.balanceActions,
      noun: 'wallet action',
      idOf: (row) => row.actionId,
      messageOf: (row) =>
        balanceActionMessage(deps.codec, {
          actionId: row.actionId,
          merchantId: row.merchantId,
          createdAt: row.createdAt,
          action: parseStoredAction(row.requestJson),
        }),
      markPublished: (ids) => deps.store.markPublished(ids),
    },
    deps.transport,
    deps.log,
  );
  const submitter = new IdempotentSubmitter<NewWalletAction, StoredWalletAction>(deps.store, publisher, (row) => row.actionId, deps.batching);
  return { publisher, submitter };
}
