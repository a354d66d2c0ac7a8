import { parseBenchOptions } from '../../../bench/pipeline/options';
import { pipelinePhases } from '../../../bench/pipeline/phase.plan';

describe('pipeline phases', () => {
  it('runs the closed loops (spread, hot) before the open loops, which go past capacity, and wallet actions last', () => {
    const names = pipelinePhases(parseBenchOptions(['--rates', '500,100', '--concurrency', '32,8', '--hot-concurrency', '32', '--hot-rates', '1000'])).map((p) => p.name);
    expect(names).toEqual([
      'pipeline/spread/warm-up closed 16',
      'pipeline/spread/closed 8',
      'pipeline/spread/closed 32',
      'pipeline/hot/closed 32',
      'pipeline/spread/open 100/s',
      'pipeline/spread/open 500/s',
      'pipeline/hot/open 1000/s',
      'pipeline/wallet/closed 32',
    ]);
  });
});
