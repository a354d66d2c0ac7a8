import { ROLES } from '../../app';
import { UsageError } from '../../cli/cli.errors';
import { parseRoles } from '../../cli/commands/start.command';

describe('paystream start: roles', () => {
  const memory = { TRANSPORT: 'memory' } as const;
  const redis = { TRANSPORT: 'redis' } as const;

  it('runs every role without an argument or with "all"', () => {
    expect(parseRoles(undefined, memory)).toEqual(ROLES);
    expect(parseRoles('all', memory)).toEqual(ROLES);
  });

  it('takes a comma-separated list, in the start order of ROLES', () => {
    expect(parseRoles('notification,gateway, ledger', redis)).toEqual(['gateway', 'ledger', 'notification']);
  });

  it('lets one process on the memory transport run every role but the ERP simulator, or the simulator alone', () => {
    expect(parseRoles('gateway,payment,ledger,logger,notification,erp-sync', memory)).toEqual(['gateway', 'payment', 'ledger', 'logger', 'notification', 'erp-sync']);
    expect(parseRoles('erp-simulator', memory)).toEqual(['erp-simulator']);
  });

  it('refuses on the memory transport a set that leaves out a role the others need, naming it', () => {
    expect(() => parseRoles('ledger', memory)).toThrow(UsageError);
    expect(() => parseRoles('gateway,payment,ledger,logger,notification', memory)).toThrow(/without erp-sync cannot work on TRANSPORT=memory/);
    expect(parseRoles('ledger', redis)).toEqual(['ledger']);
  });

  it('names unknown roles', () => {
    expect(() => parseRoles('ledger,ledgr', redis)).toThrow(/unknown role "ledgr"; roles: gateway, payment/);
    expect(() => parseRoles('', redis)).toThrow(/unknown role ""/);
  });
});
