import { AppShell, Burger, Button, Group, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink as RouterLink, useLocation } from 'react-router';
import { getSession, setSession } from '../api/session';
import { IdleWatch } from '../auth/IdleWatch';
import { endSessionUrlOf } from '../auth/sso';
import { hasRole, useSession } from '../auth/useSession';
import { type Language, setLanguage } from '../i18n';
import { ACCESS, type NavItem } from '../nav';

/** The workspaces the signed-in user's roles may use, in menu order. */
export function useNavItems(): NavItem[] {
  const { t } = useTranslation();
  const session = useSession();
  const all: NavItem[] = [
    { to: '/portal', label: t('nav.portal'), roles: ACCESS.portal },
    { to: '/portal/appointments', label: t('nav.myAppointments'), roles: ACCESS.portal },
    { to: '/portal/record', label: t('nav.myRecord'), roles: ACCESS.portal },
    { to: '/portal/documents', label: t('nav.myDocuments'), roles: ACCESS.portal },
    { to: '/portal/invoices', label: t('nav.myInvoices'), roles: ACCESS.portal },
    { to: '/portal/incidents', label: t('nav.myIncidents'), roles: ACCESS.portal },
    { to: '/patients', label: t('nav.patients'), roles: ACCESS.patients },
    { to: '/today', label: t('nav.today'), roles: ACCESS.schedule },
    { to: '/calendar', label: t('nav.calendar'), roles: ACCESS.schedule },
    { to: '/doctor', label: t('nav.doctor'), roles: ACCESS.doctor },
    { to: '/results', label: t('nav.results'), roles: ACCESS.results },
    { to: '/pharmacy', label: t('nav.pharmacy'), roles: ACCESS.pharmacyDashboard },
    { to: '/pharmacy/dispense', label: t('nav.pharmacyDispense'), roles: ACCESS.pharmacy },
    { to: '/pharmacy/stock', label: t('nav.pharmacyStock'), roles: ACCESS.pharmacy },
    { to: '/pharmacy/products', label: t('nav.pharmacyProducts'), roles: ACCESS.pharmacy },
    { to: '/pharmacy/purchase-orders', label: t('nav.pharmacyPurchaseOrders'), roles: ACCESS.pharmacy },
    { to: '/pharmacy/vendors', label: t('nav.pharmacyVendors'), roles: ACCESS.pharmacy },
    { to: '/invoices', label: t('nav.invoices'), roles: ACCESS.billing },
    { to: '/helpdesk', label: t('nav.helpdesk'), roles: ACCESS.helpdesk },
    { to: '/admin/users', label: t('nav.users'), roles: ACCESS.admin },
    { to: '/admin/practitioners', label: t('nav.practitioners'), roles: ACCESS.admin },
    { to: '/admin/treatments', label: t('nav.treatments'), roles: ACCESS.admin },
    { to: '/admin/audit', label: t('nav.audit'), roles: ACCESS.admin },
    { to: '/admin/mail', label: t('nav.mail'), roles: ACCESS.admin },
    { to: '/admin/system', label: t('nav.system'), roles: ACCESS.admin },
    { to: '/admin/backups', label: t('nav.backups'), roles: ACCESS.admin },
    { to: '/account', label: t('nav.account'), roles: ACCESS.account },
  ];
  return all.filter((item) => hasRole(session?.user.roles, item.roles));
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('language.label')}
      value={i18n.language}
      onChange={(v) => setLanguage(v as Language)}
      data={[
        { value: 'es', label: 'ES' },
        { value: 'en', label: 'EN' },
      ]}
    />
  );
}

export async function logout() {
  const refreshToken = getSession()?.refreshToken;
  setSession(null);
  const response = await fetch('/api/v1/auth/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(refreshToken ? { refreshToken } : {}),
  }).catch(() => undefined);
  // Signed in through the identity provider: end that session as well (it returns to /login).
  const endSessionUrl = await endSessionUrlOf(response);
  if (endSessionUrl) window.location.assign(endSessionUrl);
}

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const session = useSession();
  const items = useNavItems();
  const location = useLocation();
  const queryClient = useQueryClient();
  // The deepest item holding the current page is the active one (/portal/appointments, not /portal too).
  const active = items
    .filter((item) => location.pathname === item.to || location.pathname.startsWith(`${item.to}/`))
    .sort((a, b) => b.to.length - a.to.length)[0]?.to;
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Title order={1} size="h3">
              Clinica
            </Title>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageSwitch />
            <Text size="sm" visibleFrom="sm" data-testid="user-email">
              {session?.user.email}
            </Text>
            <Button
              size="xs"
              variant="default"
              onClick={async () => {
                await logout();
                queryClient.clear();
              }}
            >
              {t('auth.logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.label')}>
        {items.map((item) => (
          <NavLink
            key={item.to}
            component={RouterLink}
            to={item.to}
            // The router would mark /portal current on /portal/appointments as well: `active` decides.
            end
            label={item.label}
            active={item.to === active}
            variant="filled"
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
      <IdleWatch />
    </AppShell>
  );
}
