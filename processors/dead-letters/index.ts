/** Dead letters of every topic: recorded in MySQL, listed, inspected and replayed by `paystream dlq`. */
export { DEAD_LETTER_GROUP, originalMessage, replayDeadLetters, startDeadLetterRecorder } from './dead-letters.recorder';
export { getDeadLetter, listDeadLetters } from './dead-letters.store';
export type { DeadLetter } from './dead-letters.store';
