/** Every code a {@link WalletError} can carry. None is worth retrying: the request itself must change. */
export type WalletErrorCode =
  /** A field of the request is unusable (see `field`). */
  | 'WALLET_INVALID'
  /** The merchant does not exist. */
  | 'MERCHANT_NOT_FOUND'
  /** The wallet does not exist. */
  | 'WALLET_NOT_FOUND'
  /** The parent wallet does not exist or belongs to another merchant. */
  | 'PARENT_NOT_FOUND'
  /** The parent cannot have this child: another kind or currency, a personal wallet, or itself a child. */
  | 'PARENT_INVALID'
  /** An existing wallet is not what an import row says (merchant, kind or currency). */
  | 'WALLET_MISMATCH'
  /** The wallet already has another opening balance. */
  | 'ALREADY_IMPORTED';

/** Thrown when a wallet request cannot be carried out; `field` names the request field at fault, when one is. */
export class WalletError extends Error {
  readonly code: WalletErrorCode;
  readonly retryable = false;
  readonly field: string | null;

  constructor(code: WalletErrorCode, message: string, field: string | null = null) {
    super(message);
    this.name = 'WalletError';
    this.code = code;
    this.field = field;
  }
}

export function isWalletError(err: unknown): err is WalletError {
  return err instanceof WalletError;
}
