import { parseOpeningBalances } from '../../cli/commands/balances.csv';

const W1 = '11111111-1111-4111-8111-111111111111';
const W2 = '22222222-2222-4222-8222-222222222222';
const M = '33333333-3333-4333-8333-333333333333';

describe('opening-balance CSV', () => {
  it('reads valid rows', () => {
    const { rows, problems } = parseOpeningBalances(`wallet_id,merchant_id,kind,currency,posted_minor\n${W1},${M},personal,usd,1050\n${W2},${M},Enterprise,EUR,0\n`);
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { walletId: W1, merchantId: M, kind: 'personal', currency: 'USD', postedMinor: 1050 },
      { walletId: W2, merchantId: M, kind: 'enterprise', currency: 'EUR', postedMinor: 0 },
    ]);
  });

  it('takes the merchant from the command line when the column is absent', () => {
    const { rows } = parseOpeningBalances(`wallet_id,kind,currency,posted_minor\n${W1},reseller,JPY,7`, M);
    expect(rows).toEqual([{ walletId: W1, merchantId: M, kind: 'reseller', currency: 'JPY', postedMinor: 7 }]);
  });

  it('names the line and column of every problem and returns no rows', () => {
    const text = [
      'wallet_id,merchant_id,kind,currency,posted_minor',
      `not-a-uuid,${M},personal,USD,1`,
      `${W1},${M},savings,USD,1`,
      `${W2},${M},personal,XYZ,1`,
      `${W1},${M},personal,USD,10.50`,
      `${W2},${M},personal,USD,9007199254740992`,
      `${W2},${M},personal,USD`,
    ].join('\n');
    const { rows, problems } = parseOpeningBalances(text);
    expect(rows).toEqual([]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 2, column: 'wallet_id' }),
        expect.objectContaining({ line: 3, column: 'kind' }),
        expect.objectContaining({ line: 4, column: 'currency' }),
        expect.objectContaining({ line: 5, column: 'posted_minor' }),
        expect.objectContaining({ line: 6, column: 'posted_minor' }),
        expect.objectContaining({ line: 7, column: '(line)' }),
      ]),
    );
    expect(problems.find((p) => p.line === 5 && p.column === 'posted_minor')?.message).toMatch(/no decimals/);
    expect(problems.find((p) => p.line === 5 && p.column === 'wallet_id')?.message).toMatch(/listed twice/);
  });

  it('refuses a file without the header', () => {
    expect(parseOpeningBalances(`${W1},${M},personal,USD,1`).problems[0]).toMatchObject({ line: 1 });
  });
});
