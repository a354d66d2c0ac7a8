export { createFailoverSender } from './failover.sender';
export type { Sender } from './failover.sender';
