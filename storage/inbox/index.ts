export { claimInbox } from './inbox.store';
