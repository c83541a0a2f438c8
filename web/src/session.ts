// Who is signed in: an API token kept in this browser tab's session storage (gone when the tab is
// closed), and the role and appliance the API reported for it at sign-in.

export type Role = 'admin' | 'operator';

export interface SessionInfo {
  readonly role: Role;
  readonly tokenId: string;
  readonly appliance: {
    readonly applianceId: string;
    readonly mode: 'standalone' | 'delegated';
    readonly certificateExpiresAt: number | null;
  };
  readonly version: string;
}

const TOKEN_KEY = 'airlock.token';
let current: SessionInfo | null = null;
let onExpired: (message: string) => void = () => undefined;

export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  info(): SessionInfo | null {
    return current;
  },
  start(token: string, info: SessionInfo): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    current = info;
  },
  /** Keeps the token for a check against the API (on reload) without trusting it yet. */
  remember(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  end(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    current = null;
  },
  /** The API said 401: the token was revoked or expired while the page was open. */
  expired(message: string): void {
    if (current === null) return;
    this.end();
    onExpired(message);
  },
  onExpired(handler: (message: string) => void): void {
    onExpired = handler;
  },
  can(access: Role): boolean {
    return current !== null && (access === 'operator' || current.role === 'admin');
  },
};
