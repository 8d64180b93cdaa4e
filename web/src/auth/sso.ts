/** Single sign-on with an OpenID Connect provider: the browser's side of the round trip. */

/**
 * A path of this app the user may be sent to after signing in, or null: nothing that leaves
 * the site (`//host`, `/\host`) or leads back into signing in.
 */
export function returnPath(path: string | null | undefined): string | null {
  if (!path?.startsWith('/') || path.startsWith('//') || path.includes('\\')) return null;
  if (path.startsWith('/login') || path.startsWith('/auth/')) return null;
  return path;
}

/** The provider's sign-in address, carrying where the user was going so the callback can take them there. */
export function providerLoginHref(loginUrl: string, next: string | null): string {
  const back = returnPath(next);
  if (!back) return loginUrl;
  return `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(back)}`;
}

/**
 * What the backend's callback put in the fragment of /auth/callback: a one-time code, or an
 * error code with a message. Read once, because the page clears the fragment at once.
 */
export type CallbackResult =
  | { kind: 'code'; code: string; returnTo: string | null }
  | { kind: 'error'; error: string; message: string | null };

export function readCallbackFragment(hash: string): CallbackResult {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const code = params.get('code');
  if (code) return { kind: 'code', code, returnTo: returnPath(params.get('returnTo')) };
  return { kind: 'error', error: params.get('error') ?? 'missing_code', message: params.get('message') };
}

/**
 * The provider's end-session address from the answer to POST /auth/logout, when the session
 * came from the provider: leaving it open would let the next "Sign in with ..." on this
 * computer in without a password.
 */
export async function endSessionUrlOf(response: Response | undefined): Promise<string | null> {
  if (!response?.ok || !response.headers.get('content-type')?.includes('json')) return null;
  const body = (await response.json().catch(() => null)) as { endSessionUrl?: unknown } | null;
  const url = body?.endSessionUrl;
  if (typeof url !== 'string') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}
