import { ConfigError, loadConfig } from '../../config';

describe('loadConfig', () => {
  it('fills defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ TRANSPORT: 'memory', GRPC_PORT: 50051, MYSQL_URL: 'mysql://root@127.0.0.1:3306/paystream', PLATFORM_FEE_BPS: 250 });
    expect(config.SMTP_URL).toBeUndefined();
  });

  it('names every bad variable', () => {
    let caught: unknown;
    try {
      loadConfig({ GRPC_PORT: '70000', TRANSPORT: 'rabbit', MYSQL_URL: 'postgres://x/y', SMS_FROM: '555' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['GRPC_PORT', 'MYSQL_URL', 'SMS_FROM', 'TRANSPORT']);
    expect((caught as ConfigError).message).toMatch(/MYSQL_URL: must be a URL starting with mysql:\/\//);
  });

  it('treats empty optional URLs as unset and coerces numbers', () => {
    const config = loadConfig({ SMTP_URL: '', PARTITIONS: '16', PSP_SIM_DECLINE_RATE: '0.25' });
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.PARTITIONS).toBe(16);
    expect(config.PSP_SIM_DECLINE_RATE).toBe(0.25);
  });

  it('reads the gateway load limits, and names a bad one', () => {
    expect(loadConfig({})).toMatchObject({ GATEWAY_MAX_IN_FLIGHT: 2_000, GATEWAY_MAX_BACKLOG: 20_000 });
    expect(loadConfig({ GATEWAY_MAX_BACKLOG: '500' }).GATEWAY_MAX_BACKLOG).toBe(500);
    expect(() => loadConfig({ GATEWAY_MAX_BACKLOG: '0' })).toThrow(/GATEWAY_MAX_BACKLOG/);
    expect(() => loadConfig({ GATEWAY_MAX_IN_FLIGHT: 'many' })).toThrow(/GATEWAY_MAX_IN_FLIGHT/);
  });

  it('reads the heap growth (0: V8 decides), and names a bad one', () => {
    expect(loadConfig({}).HEAP_GROWING_PERCENT).toBe(100);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).HEAP_GROWING_PERCENT).toBe(0);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: '-5' })).toThrow(/HEAP_GROWING_PERCENT/);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: '1.5' })).toThrow(/HEAP_GROWING_PERCENT/);
  });
});
