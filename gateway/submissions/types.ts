/** A merchant's idempotency key: what makes two submissions "the same request". */
export interface IdempotencyPair {
  merchantId: string;
  idempotencyKey: string;
}

/** What the submission pieces need of a stored request row (an order request, a wallet action). */
export interface StoredSubmission extends IdempotencyPair {
  /** SHA-256 of the canonical request. */
  requestHash: string;
  /** True once its event is on the broker. */
  published: boolean;
}

/** What they need of a row about to be inserted. */
export interface NewSubmission extends IdempotencyPair {
  requestHash: string;
}

/** The SQL a submitter needs: one INSERT IGNORE and one SELECT per batch. */
export interface SubmissionStore<New, Stored> {
  /** Inserts the rows; a row whose (merchant, idempotency key) exists already is skipped. */
  insertIgnore(rows: readonly New[]): Promise<void>;
  /** The rows of the given pairs. */
  selectByKeys(keys: readonly IdempotencyPair[]): Promise<Stored[]>;
}

/** What the relay needs: the rows left unpublished. */
export interface UnpublishedSource<Stored> {
  /** Unpublished rows created before `before` (epoch ms), oldest first. */
  selectUnpublished(before: number, limit: number): Promise<Stored[]>;
}
