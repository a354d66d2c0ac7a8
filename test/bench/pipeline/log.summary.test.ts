import { summarizeLogs } from '../../../bench/pipeline/log.summary';

const line = (fields: Record<string, unknown>): string => JSON.stringify({ level: 30, time: '2026-01-01T00:00:00.000Z', ...fields });

describe('summarizeLogs', () => {
  const text = [
    line({ msg: 'processor started' }),
    line({ msg: 'payments recorded', orders: 2, time: '2026-01-01T00:00:00.000Z' }),
    line({ msg: 'payments recorded', orders: 10, time: '2026-01-01T00:00:00.040Z' }),
    line({ msg: 'payments recorded', orders: 3, time: '2026-01-01T00:00:05.000Z' }),
    line({ msg: 'ledger batch committed', events: 7 }),
    line({ level: 40, msg: 'call failed: database unavailable' }),
    line({ level: 40, msg: 'call failed: database unavailable' }),
    line({ level: 50, msg: 'stop failed' }),
    'not json',
    '{"truncated":',
  ].join('\n');
  const summary = summarizeLogs(text);

  it('counts batches and their sizes per processor line', () => {
    expect(summary.lines).toBe(8);
    expect(summary.batches).toEqual([
      // The 5 s gap is idle time, not a batch interval.
      { message: 'payments recorded', batches: 3, meanSize: 5, maxSize: 10, smallShare: 0.67, meanIntervalMs: 40 },
      { message: 'ledger batch committed', batches: 1, meanSize: 7, maxSize: 7, smallShare: 0, meanIntervalMs: null },
    ]);
  });

  it('counts warnings and errors by message, most frequent first', () => {
    expect(summary.problems).toEqual([
      { level: 'warn', message: 'call failed: database unavailable', count: 2 },
      { level: 'error', message: 'stop failed', count: 1 },
    ]);
  });
});
