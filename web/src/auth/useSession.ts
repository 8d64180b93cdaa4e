import { useSyncExternalStore } from 'react';
import { getSession, type Role, subscribeSession } from '../api/session';

export function useSession() {
  return useSyncExternalStore(subscribeSession, getSession);
}

export function hasRole(roles: readonly Role[] | undefined, allowed: readonly Role[]) {
  return !!roles?.some((r) => allowed.includes(r));
}
