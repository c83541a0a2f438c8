// Console sessions: a random ID in an HttpOnly, SameSite=Strict cookie, and a CSRF token the page
// sends back on every change. Kept in the server's memory only (a restart signs everyone out),
// ended after an idle time and after an absolute time, one at a time or all of a user's at once.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../appliance/roles.ts';

export const SESSION_COOKIE = 'airlock_session';
export const CSRF_HEADER = 'X-CSRF-Token';

export interface SessionLimits {
  /** Seconds without a request after which a session ends (default 30 minutes). */
  readonly idleSeconds: number;
  /** Seconds after sign-in after which a session ends whatever happens (default 12 hours). */
  readonly absoluteSeconds: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  idleSeconds: 30 * 60,
  absoluteSeconds: 12 * 3600,
};

/** At most this many sessions are kept; the least recently used goes first. */
const MAX_SESSIONS = 10_000;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface Session {
  readonly id: string;
  readonly csrf: string;
  readonly user: string;
  readonly role: Role;
  /** Unix seconds. */
  readonly createdAt: number;
  lastSeenAt: number;
  readonly address: string;
}

export interface SessionStore {
  create(user: string, role: Role, address: string, now: number): Session;
  /** The live session of this cookie value, its idle time restarted; undefined when none. */
  find(id: string, now: number): Session | undefined;
  end(id: string): void;
  /** Ends every session of the user (sign out everywhere, a password change, removal). */
  endAllOf(user: string): number;
  readonly size: number;
}

const token = () => randomBytes(32).toString('base64url');

export function createSessionStore(limits: SessionLimits = DEFAULT_SESSION_LIMITS): SessionStore {
  const sessions = new Map<string, Session>();

  function expired(s: Session, now: number): boolean {
    return now - s.lastSeenAt >= limits.idleSeconds || now - s.createdAt >= limits.absoluteSeconds;
  }

  return {
    get size() {
      return sessions.size;
    },
    create(user, role, address, now) {
      if (sessions.size >= MAX_SESSIONS) {
        for (const [id, s] of sessions) {
          if (expired(s, now)) sessions.delete(id);
        }
        // Map order is insertion order and find() re-inserts: the first is the least recently used.
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      }
      const session: Session = {
        id: token(),
        csrf: token(),
        user,
        role,
        createdAt: now,
        lastSeenAt: now,
        address,
      };
      sessions.set(session.id, session);
      return session;
    },
    find(id, now) {
      if (!ID_PATTERN.test(id)) return undefined;
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      sessions.delete(id);
      if (expired(session, now)) return undefined;
      session.lastSeenAt = now;
      sessions.set(id, session);
      return session;
    },
    end(id) {
      sessions.delete(id);
    },
    endAllOf(user) {
      let ended = 0;
      for (const [id, s] of sessions) {
        if (s.user === user) {
          sessions.delete(id);
          ended++;
        }
      }
      return ended;
    },
  };
}

/** Whether the CSRF token the page sent is the session's, compared in constant time. */
export function csrfMatches(session: Session, sent: string): boolean {
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}
