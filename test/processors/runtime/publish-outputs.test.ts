import { randomUUID } from 'node:crypto';
import { skipRecentlyPublished, type PublishOutputs } from '../../../processors/runtime';
import type { OutboxMessage } from '../../../storage/outbox';

function message(): OutboxMessage {
  return { topic: 'wallet.updates', key: 'k', value: Buffer.from('v'), headers: { eventId: randomUUID() } };
}

describe('skipRecentlyPublished', () => {
  function recording(failures = 0): { publish: PublishOutputs; sent: string[][] } {
    const sent: string[][] = [];
    let fail = failures;
    return {
      sent,
      publish: async (messages) => {
        if (fail > 0) {
          fail -= 1;
          throw new Error('transport down');
        }
        sent.push(messages.map((m) => m.headers.eventId));
      },
    };
  }

  it('publishes again only what this process has not published yet', async () => {
    const inner = recording();
    const publish = skipRecentlyPublished(inner.publish);
    const [a, b, c] = [message(), message(), message()];
    await publish([a, b]);
    await publish([a, b, c]);
    await publish([c]);
    expect(inner.sent).toEqual([[a.headers.eventId, b.headers.eventId], [c.headers.eventId], []]);
  });

  it('does not remember a publish that failed, so the retry sends it', async () => {
    const inner = recording(1);
    const publish = skipRecentlyPublished(inner.publish);
    const a = message();
    await expect(publish([a])).rejects.toThrow('transport down');
    await publish([a]);
    expect(inner.sent).toEqual([[a.headers.eventId]]);
  });

  it('forgets the oldest ids beyond two generations of its limit', async () => {
    const inner = recording();
    const publish = skipRecentlyPublished(inner.publish, 2);
    const [a, b, c, d, e] = [message(), message(), message(), message(), message()];
    await publish([a, b, c, d, e]);
    // Generations {e} and {c, d}: a and b are forgotten, c to e still known.
    await publish([a, b, c, d, e]);
    expect(inner.sent[1]).toEqual([a.headers.eventId, b.headers.eventId]);
  });
});
