import type { LogRow } from './types';

/** Widths of the fixed columns: every service name and event type fits. */
const WIDTH = { level: 5, service: 12, eventType: 22 } as const;

/**
 * One aligned line for a person: produced time (UTC, ms), level, service, event type, the ids the
 * row carries (merchant, order, wallet), then the message. Line breaks inside values become spaces.
 *
 * `2024-11-21 22:20:00.123  WARN   payment       PaymentFailed          merchant=… order=…  payment for order … declined`
 */
export function formatLogLine(row: LogRow): string {
  const time = row.producedAt.toISOString().replace('T', ' ').replace('Z', '');
  const ids = [
    row.merchantId === null ? undefined : `merchant=${row.merchantId}`,
    row.orderId === null ? undefined : `order=${row.orderId}`,
    row.walletId === null ? undefined : `wallet=${row.walletId}`,
  ].filter((s): s is string => s !== undefined);
  const columns = [
    time,
    row.level.toUpperCase().padEnd(WIDTH.level),
    row.service.padEnd(WIDTH.service),
    row.eventType.padEnd(WIDTH.eventType),
  ];
  const line = `${columns.join('  ')}  ${ids.length === 0 ? '' : `${ids.join(' ')}  `}${row.message}`;
  return line.replace(/[\r\n\t]+/g, ' ');
}
