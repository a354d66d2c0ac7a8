export { createConcurrencyLimit } from './concurrency-limit';
export type { ConcurrencyLimit } from './concurrency-limit';
