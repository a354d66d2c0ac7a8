/** Thrown for a wrong command line: the message says what is wrong; exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
