import type { Logger } from 'pino';
import type { PaymentProvider } from '../../integrations/psp';
import type { EventCodec } from '../../schemas';
import type { Pool } from '../../storage/mysql';
import type { PublishOutputs } from '../runtime';
import type { PaymentProcessorOptions } from './options';

/** What the payment processor needs; every dependency arrives here. */
export interface PaymentProcessorDeps {
  pool: Pool;
  psp: PaymentProvider;
  /** Publishes committed outputs (`createOutputPublisher`); a rejection fails the batch. */
  publish: PublishOutputs;
  codec: EventCodec;
  logger: Logger;
  options: PaymentProcessorOptions;
  /** Epoch ms for `capturedAt`/`failedAt` (default `Date.now`). */
  now?: () => number;
}

/** One row of the `payments` table. */
export interface PaymentRow {
  orderId: string;
  merchantId: string;
  outcome: 'CAPTURED' | 'DECLINED';
  paymentId: string | null;
  pspReference: string | null;
  amountMinor: number;
  currency: string;
  reasonCode: string | null;
  reason: string | null;
  createdAt: Date;
}
