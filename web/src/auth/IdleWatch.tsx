import { Button, Group, Modal, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { getSession, keepSessionAlive } from '../api/session';
import { logout } from '../components/Shell';

/** Last user activity (epoch ms), shared by every tab: working in one keeps the others signed in. */
const ACTIVITY_KEY = 'clinica.activity';
/** Tests only: a shorter idle limit in seconds (it can only shorten the server's). */
const TEST_OVERRIDE_KEY = 'clinica.idleSeconds';
/** Read by the sign-in page to say why the user is there. */
export const SIGNED_OUT_KEY = 'clinica.signedOut';

const EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

function lastActivity(local: number) {
  const shared = Number(localStorage.getItem(ACTIVITY_KEY));
  return Number.isFinite(shared) ? Math.max(local, shared) : local;
}

function limitMs(serverMinutes: number) {
  const server = serverMinutes * 60_000;
  const override = Number(localStorage.getItem(TEST_OVERRIDE_KEY));
  return override > 0 ? Math.min(server, override * 1000) : server;
}

/**
 * The server ends sessions idle for IDLE_TIMEOUT_MINUTES. This follows the user's own activity
 * (pointer, keys): while they work it keeps the server session alive, a minute before the limit
 * it warns with a countdown, and at the limit it signs out.
 */
export function IdleWatch() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const info = useQuery({ queryKey: ['info'], queryFn: () => unwrap(api.GET('/api/v1/info')), staleTime: Infinity });
  const minutes = info.data?.idleTimeoutMinutes;
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const local = useRef(Date.now());
  const warning = useRef(false);
  const refreshing = useRef(false);

  useEffect(() => {
    local.current = Date.now();
    localStorage.setItem(ACTIVITY_KEY, String(local.current));
    const onActivity = () => {
      // While the warning shows, only its button counts: a stray mouse move is not "still here".
      if (warning.current) return;
      const now = Date.now();
      if (now - local.current < 1000) return;
      local.current = now;
      localStorage.setItem(ACTIVITY_KEY, String(now));
    };
    for (const e of EVENTS) window.addEventListener(e, onActivity, { passive: true, capture: true });
    return () => {
      for (const e of EVENTS) window.removeEventListener(e, onActivity, { capture: true });
    };
  }, []);

  useEffect(() => {
    if (!minutes) return;
    const tick = () => {
      const limit = limitMs(minutes);
      const warnFor = Math.min(60_000, limit / 2);
      const now = Date.now();
      const last = lastActivity(local.current);
      const idle = now - last;
      if (idle >= limit) {
        warning.current = false;
        setSecondsLeft(null);
        sessionStorage.setItem(SIGNED_OUT_KEY, 'idle');
        void logout().then(() => queryClient.clear());
        return;
      }
      if (idle >= limit - warnFor) {
        warning.current = true;
        setSecondsLeft(Math.ceil((limit - idle) / 1000));
        return;
      }
      warning.current = false;
      setSecondsLeft(null);
      // Active since the last refresh, and half the limit has gone by: tell the server.
      const issuedAt = getSession()?.issuedAt ?? 0;
      if (last > issuedAt && now - issuedAt > limit / 2 && !refreshing.current) {
        refreshing.current = true;
        void keepSessionAlive().finally(() => {
          refreshing.current = false;
        });
      }
    };
    tick();
    const timer = window.setInterval(tick, 1000);
    return () => window.clearInterval(timer);
  }, [minutes, queryClient]);

  const stay = () => {
    local.current = Date.now();
    localStorage.setItem(ACTIVITY_KEY, String(local.current));
    warning.current = false;
    setSecondsLeft(null);
    void keepSessionAlive();
  };

  return (
    <Modal
      opened={secondsLeft !== null}
      onClose={stay}
      title={t('idle.title')}
      centered
      withCloseButton={false}
      closeOnClickOutside={false}
    >
      <Text mb="md" aria-live="polite" data-testid="idle-countdown">
        {t('idle.text', { seconds: secondsLeft ?? 0 })}
      </Text>
      <Group justify="flex-end">
        <Button
          variant="default"
          onClick={async () => {
            warning.current = false;
            setSecondsLeft(null);
            await logout();
            queryClient.clear();
          }}
        >
          {t('auth.logout')}
        </Button>
        <Button onClick={stay} data-autofocus>
          {t('idle.stay')}
        </Button>
      </Group>
    </Modal>
  );
}
