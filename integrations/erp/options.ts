export interface HttpErpClientOptions {
  /** Base URL of the ERP API, e.g. `http://127.0.0.1:8090`; entries live under `${baseUrl}/journal-entries`. */
  baseUrl: string;
  /** Deadline of one call, response body included, in ms (default 10,000). */
  timeoutMs?: number;
  /** Most calls in flight at once; further calls wait their turn (default 16). */
  maxConcurrent?: number;
}

export const HTTP_ERP_DEFAULTS = { timeoutMs: 10_000, maxConcurrent: 16 } as const;
