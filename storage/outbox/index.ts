export { appendOutbox, deleteOutbox, loadStaleOutbox } from './outbox.store';
export type { OutboxMessage, StoredOutboxMessage } from './outbox.store';
