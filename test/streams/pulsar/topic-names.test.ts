import { PulsarInvalidArgumentError, PulsarTopicNames } from '../../../streams/pulsar';

describe('pulsar topic names', () => {
  it('maps logical names under the tenant and namespace, dead-letter topics included', () => {
    const names = new PulsarTopicNames('acme', 'payments');
    expect(names.full('orders.submitted')).toBe('persistent://acme/payments/orders.submitted');
    expect(names.full('orders.submitted.dlq')).toBe('persistent://acme/payments/orders.submitted.dlq');
    expect(names.full('wallet_updates-2')).toBe('persistent://acme/payments/wallet_updates-2');
  });

  it('reads the partition from a partitioned topic’s name, 0 otherwise', () => {
    expect(PulsarTopicNames.partitionOf('persistent://acme/payments/orders.submitted-partition-3')).toBe(3);
    expect(PulsarTopicNames.partitionOf('persistent://acme/payments/orders.submitted')).toBe(0);
  });

  it.each([
    ['a/b', 'invalid topic name'],
    ['', 'invalid topic name'],
    ['.', 'invalid topic name'],
    ['..', 'invalid topic name'],
    ['orders submitted', 'invalid topic name'],
    ['orders-partition-0', 'reserves "-partition-"'],
    ['x'.repeat(250), 'invalid topic name'],
    ['x'.repeat(246), 'leaving no room for .dlq'],
  ])('rejects the topic %j', (topic, text) => {
    const names = new PulsarTopicNames('public', 'default');
    expect(() => names.full(topic)).toThrow(PulsarInvalidArgumentError);
    expect(() => names.full(topic)).toThrow(text);
  });

  it('accepts the longest names that leave room for .dlq, and dead-letter names up to 249', () => {
    const names = new PulsarTopicNames('public', 'default');
    expect(names.full('x'.repeat(245))).toMatch(/x{245}$/);
    expect(names.full(`${'x'.repeat(245)}.dlq`)).toMatch(/x{245}\.dlq$/);
  });

  it.each([
    ['tenant', 'a/b', 'default'],
    ['tenant', '', 'default'],
    ['namespace', 'public', 'name space'],
    ['namespace', 'public', 'x'.repeat(129)],
  ])('rejects a bad %s', (what, tenant, namespace) => {
    expect(() => new PulsarTopicNames(tenant, namespace)).toThrow(new RegExp(`invalid Pulsar ${what}`));
  });
});
