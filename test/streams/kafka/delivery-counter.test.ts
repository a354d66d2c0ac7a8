import { DeliveryCounter } from '../../../streams/kafka/delivery-counter';

describe('kafka delivery counter', () => {
  it('counts deliveries per group, topic, partition and offset', () => {
    const counter = new DeliveryCounter();
    expect(counter.record('g', 't', 0, '5')).toBe(1);
    expect(counter.record('g', 't', 0, '5')).toBe(2);
    expect(counter.record('g', 't', 0, '6')).toBe(1);
    // Another group, topic or partition has its own count.
    expect(counter.record('other', 't', 0, '5')).toBe(1);
    expect(counter.record('g', 'u', 0, '5')).toBe(1);
    expect(counter.record('g', 't', 1, '5')).toBe(1);
    expect(counter.deliveries('g', 't', 0, '5')).toBe(2);
    expect(counter.size).toBe(5);
  });

  it('forgets offsets before a commit, comparing them as 64-bit numbers', () => {
    const counter = new DeliveryCounter();
    for (const offset of ['9', '10', '99', '9007199254740993', '9007199254740995']) counter.record('g', 't', 0, offset);
    counter.forgetBefore('g', 't', 0, '99');
    expect(['9', '10', '99'].map((offset) => counter.deliveries('g', 't', 0, offset))).toEqual([0, 0, 1]);
    counter.forgetBefore('g', 't', 0, '9007199254740994');
    expect(counter.deliveries('g', 't', 0, '9007199254740993')).toBe(0);
    expect(counter.deliveries('g', 't', 0, '9007199254740995')).toBe(1);
    expect(counter.size).toBe(1);
    // A later delivery of a forgotten offset is a first one again.
    expect(counter.record('g', 't', 0, '10')).toBe(1);
  });

  it('stays bounded: past maxEntries the partitions seen longest ago are dropped whole', () => {
    const counter = new DeliveryCounter(5);
    for (const offset of ['1', '2', '3']) counter.record('g', 'moved-away', 0, offset);
    for (const offset of ['1', '2']) counter.record('g', 'kept', 0, offset);
    expect(counter.size).toBe(5);
    counter.record('g', 'kept', 0, '3');
    expect(counter.size).toBe(3);
    expect(counter.deliveries('g', 'moved-away', 0, '1')).toBe(0);
    expect(counter.deliveries('g', 'kept', 0, '1')).toBe(1);
  });
});
