export { appendOutbox, deleteOutbox, loadStaleOutbox, parseHeaders } from './outbox.store';
export type { OutboxMessage, StoredOutboxMessage } from './outbox.store';
