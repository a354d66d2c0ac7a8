/** The roles of design.md §7: each can run alone (`paystream start <role>`) or all in one process. */
export const ROLES = ['gateway', 'payment', 'ledger', 'logger', 'notification', 'erp-sync', 'erp-simulator'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
