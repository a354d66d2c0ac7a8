import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { LuaScript, runScripts } from '../../../streams/redis/lua-scripts';
import { REDIS_URL, deleteKeys } from './redis-test-env';

describe('runScripts', () => {
  const prefix = `test-${randomUUID()}`;
  const client = new Redis(REDIS_URL);
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.quit();
  });

  it('loads scripts Redis does not know and sends again only the calls it refused', async () => {
    // A script text no one has loaded before (the comment makes it unique), so Redis answers NOSCRIPT;
    // no SCRIPT FLUSH, which would touch every other client of this Redis.
    const fresh = new LuaScript(`-- ${randomUUID()}\nreturn redis.call('INCR', KEYS[1])`);
    const known = new LuaScript(`-- ${randomUUID()}\nreturn redis.call('INCR', KEYS[1])`);
    await client.script('LOAD', known.source);
    const [a, b, c] = [`${prefix}:a`, `${prefix}:b`, `${prefix}:c`];

    const results = await runScripts(client, [
      { script: known, keys: [a], args: [] },
      { script: fresh, keys: [b], args: [] },
      { script: known, keys: [c], args: [] },
    ]);

    expect(results).toEqual([
      [null, 1],
      [null, 1],
      [null, 1],
    ]);
    // The calls that ran the first time did not run twice.
    expect(await client.mget(a, b, c)).toEqual(['1', '1', '1']);
    expect(await client.script('EXISTS', fresh.sha)).toEqual([1]);
  });

  it('returns a script error as that call’s result', async () => {
    const failing = new LuaScript(`-- ${randomUUID()}\nreturn redis.call('INCR', KEYS[1])`);
    const key = `${prefix}:text`;
    await client.set(key, 'not a number');
    const [[err] = [null]] = await runScripts(client, [{ script: failing, keys: [key], args: [] }]);
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toMatch(/not an integer/);
  });
});
