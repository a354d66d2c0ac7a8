import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { buildTransport } from '../../app';
import type { AppConfig } from '../../config';
import { getDeadLetter, listDeadLetters, replayDeadLetters, type DeadLetter } from '../../processors/dead-letters';
import { createMysqlPool } from '../../storage/mysql';
import { UsageError } from '../cli.errors';

const USAGE = 'usage: paystream dlq list [--topic T] [--all] [--limit N] | dlq show ID | dlq replay (ID… | --topic T)';

/** `paystream dlq`: dead letters as the logger role recorded them in MySQL. */
export async function dlqCommand(args: readonly string[], config: AppConfig, logger: Logger, print: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: { topic: { type: 'string' }, all: { type: 'boolean', default: false }, limit: { type: 'string', default: '100' } },
    strict: true,
  });
  const pool = createMysqlPool({ url: config.MYSQL_URL, connectionLimit: 2 });
  try {
    if (sub === 'list') {
      const letters = await listDeadLetters(pool, { ...(values.topic === undefined ? {} : { topic: values.topic }), includeReplayed: values.all, limit: Number(values.limit) });
      print(['id', 'failed at', 'topic', 'group', 'event type', 'event id', 'attempts', 'code', 'replayed'].join('\t'));
      for (const l of letters) print(summary(l));
      if (letters.length === 0) print('(no dead letters)');
    } else if (sub === 'show') {
      const letter = await getDeadLetter(pool, Number(positionals[0]));
      if (letter === undefined) throw new UsageError(`no dead letter ${String(positionals[0])}`);
      print(JSON.stringify({ ...letter, payload: letter.payload.toString('base64') }, null, 2));
    } else if (sub === 'replay') {
      if (config.TRANSPORT === 'memory') {
        throw new UsageError('TRANSPORT=memory keeps its topics inside the running process; replay needs a shared transport (redis, kafka, pulsar)');
      }
      const ids = positionals.map(Number);
      if (ids.length === 0 && values.topic === undefined) throw new UsageError(USAGE);
      const transport = await buildTransport(config, logger);
      try {
        const replayed = await replayDeadLetters({ pool, transport }, ids.length > 0 ? { ids } : { topic: values.topic ?? '' });
        print(`replayed ${replayed.length} dead letter(s)`);
      } finally {
        await transport.close();
      }
    } else {
      throw new UsageError(USAGE);
    }
  } finally {
    await pool.end();
  }
}

function summary(l: DeadLetter): string {
  return [l.id, l.failedAt.toISOString(), l.sourceTopic, l.group, l.eventType, l.eventId, l.attempts, l.errorCode, l.replayedAt?.toISOString() ?? '-'].join('\t');
}
