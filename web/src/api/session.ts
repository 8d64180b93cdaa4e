import type { paths } from './schema';

export type TokenResponse = paths['/api/v1/auth/login']['post']['responses'][200]['content']['application/json'];
export type SessionUser = TokenResponse['user'];
export type Role = SessionUser['roles'][number];

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
  /** Epoch milliseconds at which these tokens were issued (sign-in or last refresh). */
  issuedAt?: number;
  user: SessionUser;
}

const KEY = 'clinica.session';
const listeners = new Set<() => void>();
let cached: { raw: string | null; session: Session | null } = { raw: null, session: null };

/** The session lives in localStorage so that every tab shares one token chain. */
export function getSession(): Session | null {
  const raw = localStorage.getItem(KEY);
  if (raw !== cached.raw) {
    let session: Session | null = null;
    try {
      session = raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      session = null;
    }
    cached = { raw, session };
  }
  return cached.session;
}

export function setSession(tokens: TokenResponse | null) {
  if (tokens) {
    const session: Session = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Date.now() + tokens.expiresIn * 1000,
      issuedAt: Date.now(),
      user: tokens.user,
    };
    localStorage.setItem(KEY, JSON.stringify(session));
  } else {
    localStorage.removeItem(KEY);
  }
  for (const l of listeners) l();
}

export function subscribeSession(listener: () => void) {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key === KEY) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** Refresh this long before the access token expires. */
const MARGIN_MS = 30_000;
let inFlight: Promise<Session | null> | null = null;

async function refreshNow(force: boolean, since: number): Promise<Session | null> {
  // Another tab (or request) may have refreshed while we waited for the lock: use its tokens.
  const current = getSession();
  if (!current) return null;
  if (!force && current.expiresAt - Date.now() > MARGIN_MS) return current;
  if (force && (current.issuedAt ?? 0) >= since) return current;
  const res = await fetch('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: current.refreshToken }),
  });
  if (!res.ok) {
    // Only drop the session if nobody replaced it meanwhile.
    if (getSession()?.refreshToken === current.refreshToken) setSession(null);
    return null;
  }
  setSession((await res.json()) as TokenResponse);
  return getSession();
}

/**
 * A usable access token, refreshing first when it is about to expire. Refreshes are
 * serialised: one at a time in this tab (a shared promise) and across tabs (a Web Lock),
 * because each refresh token works once and presenting it twice ends the session.
 */
export async function freshSession(force = false): Promise<Session | null> {
  const current = getSession();
  if (!current || (!force && current.expiresAt - Date.now() > MARGIN_MS)) return current;
  if (!inFlight) {
    const since = Date.now();
    const run = () => refreshNow(force, since);
    // Web Locks exist only in secure contexts (https, localhost); elsewhere one tab's promise.
    const locked: Promise<Session | null> =
      'locks' in navigator && navigator.locks
        ? (navigator.locks.request('clinica-refresh', run) as unknown as Promise<Session | null>)
        : run();
    inFlight = locked.finally(() => {
      inFlight = null;
    });
  }
  return inFlight;
}

/** Refreshes now whatever the token's age: tells the server the user is still there (idle time-out). */
export function keepSessionAlive(): Promise<Session | null> {
  return freshSession(true);
}
