// Who is signed in: the session the appliance keeps (its cookie is HttpOnly: this page never sees
// it), and what /session said about it: the user, the role, the CSRF token every change carries.

export type Role = 'admin' | 'operator' | 'auditor';

export interface SessionInfo {
  readonly user: string;
  readonly role: Role;
  readonly csrfToken: string;
  /** Unix seconds: the session ends then, however it is used. */
  readonly endsAt: number;
  readonly idleSeconds: number;
  readonly appliance: {
    readonly applianceId: string;
    readonly mode: 'standalone' | 'delegated';
    readonly certificateExpiresAt: number | null;
  };
  readonly version: string;
}

/** What each role may open, as the API decides it (src/http/route.ts). */
export type Access = 'read' | 'operator' | 'audit' | 'admin';
const ACCESS: Readonly<Record<Access, readonly Role[]>> = {
  read: ['admin', 'operator', 'auditor'],
  operator: ['admin', 'operator'],
  audit: ['admin', 'auditor'],
  admin: ['admin'],
};

let current: SessionInfo | null = null;
let onExpired: (message: string) => void = () => undefined;

export const session = {
  info(): SessionInfo | null {
    return current;
  },
  csrf(): string | null {
    return current?.csrfToken ?? null;
  },
  start(info: SessionInfo): void {
    current = info;
  },
  end(): void {
    current = null;
  },
  /** The API said 401: the session ended (idle, signed out elsewhere, account changed). */
  expired(message: string): void {
    if (current === null) return;
    current = null;
    onExpired(message);
  },
  onExpired(handler: (message: string) => void): void {
    onExpired = handler;
  },
  can(access: Access): boolean {
    return current !== null && ACCESS[access].includes(current.role);
  },
};
