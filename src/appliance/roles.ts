// Who may do what on an appliance: three roles, shared by users (the console) and API tokens
// (automation). admin: everything; operator: activate, deactivate and look up; auditor: read only
// (the ledger, the audit trail, licenses and activations), never a change.

export const ROLES = ['admin', 'operator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return ROLES.includes(value as Role);
}

/** What a role is for, in one line (CLI help, the console's user list). */
export const ROLE_SUMMARY: Readonly<Record<Role, string>> = {
  admin: 'everything: licenses, revocations, sync, users, tokens, the ledger',
  operator: 'activate and deactivate machines, look up licenses and activations',
  auditor: 'read only: the ledger, the audit trail, licenses, activations, sync status',
};
