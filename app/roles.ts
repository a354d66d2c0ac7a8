/** The roles of design.md §7: each can run alone (`paystream start <role>`) or all in one process. */
export const ROLES = ['gateway', 'payment', 'ledger', 'logger', 'notification'] as const;

export type Role = (typeof ROLES)[number];

/** Roles the design names that this build does not run yet (the wallet-path work adds them). */
export const PLANNED_ROLES = ['erp-sync', 'erp-simulator'] as const;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
