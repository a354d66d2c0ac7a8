export { claimInbox, readInbox, recordInbox } from './inbox.store';
