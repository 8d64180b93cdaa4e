import {
  Alert,
  Anchor,
  Badge,
  Card,
  Group,
  Loader,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { hasRole, useSession } from '../auth/useSession';
import { formatDate, formatMoney } from '../format';
import { ACCESS } from '../nav';
import { ConsumptionChart, TopProductsChart } from '../pharmacy/charts';
import { PO_STATUS_COLOR, usePurchaseOrderStatusLabels } from '../pharmacy/labels';
import { formatQuantity } from '../pharmacy/quantity';
import { useDashboard } from '../pharmacy/queries';

const PERIODS = ['7', '30', '90'] as const;

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Card withBorder padding="sm" data-testid={testId}>
      <Text size="xl" fw={700}>
        {value}
      </Text>
      <Text size="sm">{label}</Text>
    </Card>
  );
}

/** A titled list of the dashboard: its table, or a line saying there is nothing to show. */
function Section({
  title,
  empty,
  count,
  testId,
  children,
}: {
  title: string;
  empty: string;
  count: number;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Card withBorder data-testid={testId}>
      <Title order={3} size="h4" mb="xs">
        {title}
      </Title>
      {count === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Table.ScrollContainer
          minWidth={420}
          // On a phone the table scrolls sideways: a keyboard must be able to scroll it too.
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': title } }}
        >
          {children}
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

/** The pharmacy at a glance: stock that needs ordering or writing off, what goes out, what is on order. */
export function PharmacyDashboardPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const session = useSession();
  // Administrators see the figures; the pages behind them are the pharmacists'.
  const pharmacist = hasRole(session?.user.roles, ACCESS.pharmacy);
  const [days, setDays] = useState<(typeof PERIODS)[number]>('30');
  const dashboard = useDashboard(Number(days));
  const statusLabels = usePurchaseOrderStatusLabels();
  const d = dashboard.data;
  const productLink = (name: string) =>
    pharmacist ? (
      <Anchor component={Link} to={`/pharmacy/stock?q=${encodeURIComponent(name)}`} size="sm">
        {name}
      </Anchor>
    ) : (
      name
    );
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={2}>{t('nav.pharmacy')}</Title>
        <SegmentedControl
          aria-label={t('pharmacyDashboard.period')}
          value={days}
          onChange={(v) => setDays(v as (typeof PERIODS)[number])}
          data={PERIODS.map((p) => ({ value: p, label: t('pharmacyDashboard.lastDays', { count: Number(p) }) }))}
        />
      </Group>
      {dashboard.isPending && <Loader />}
      {dashboard.isError && <Alert color="red">{dashboard.error.message}</Alert>}
      {d && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} data-testid="pharmacy-figures">
            <Figure
              testId="figure-products"
              label={t('pharmacyDashboard.products')}
              value={String(d.totals.products)}
            />
            <Figure
              testId="figure-stock-value"
              label={t('pharmacyDashboard.stockValue')}
              value={formatMoney(d.totals.stockValue, lang)}
            />
            <Figure testId="figure-low" label={t('pharmacyDashboard.lowStock')} value={String(d.lowStock.length)} />
            <Figure
              testId="figure-expiring"
              label={t('pharmacyDashboard.expiring')}
              value={String(d.expiring.length)}
            />
            <Figure
              testId="figure-orders"
              label={t('pharmacyDashboard.openOrders')}
              value={String(d.openPurchaseOrders.length)}
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <ConsumptionChart days={d.consumption} />
            <TopProductsChart products={d.topProducts} />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <Section
              title={t('pharmacyDashboard.lowStock')}
              empty={t('pharmacyDashboard.noLowStock')}
              count={d.lowStock.length}
              testId="low-stock"
            >
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('pharmacy.product')}</Table.Th>
                    <Table.Th ta="right">{t('pharmacy.onHand')}</Table.Th>
                    <Table.Th ta="right">{t('pharmacy.minStock')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.lowStock.map((p) => (
                    <Table.Tr key={p.productId} data-product={p.productId}>
                      <Table.Td>{productLink(p.name)}</Table.Td>
                      <Table.Td ta="right">
                        {formatQuantity(p.onHand, lang)} {p.unit}
                      </Table.Td>
                      <Table.Td ta="right">{formatQuantity(p.minStock, lang)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Section>
            <Section
              title={t('pharmacyDashboard.expiringWithin', { count: d.expiringWithinDays })}
              empty={t('pharmacyDashboard.noExpiring')}
              count={d.expiring.length}
              testId="expiring-lots"
            >
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('pharmacy.product')}</Table.Th>
                    <Table.Th>{t('pharmacy.lot')}</Table.Th>
                    <Table.Th>{t('pharmacy.expiresOn')}</Table.Th>
                    <Table.Th ta="right">{t('pharmacyDashboard.quantity')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.expiring.map((l) => (
                    <Table.Tr key={l.lotId} data-lot={l.lotId}>
                      <Table.Td>{productLink(l.name)}</Table.Td>
                      <Table.Td>{l.lotNumber}</Table.Td>
                      <Table.Td>
                        {formatDate(l.expiresOn, lang)}{' '}
                        {l.expired && (
                          <Badge color="red.9" size="sm">
                            {t('pharmacy.expired')}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td ta="right">
                        {formatQuantity(l.quantity, lang)} {l.unit}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Section>
          </SimpleGrid>
          <Section
            title={t('pharmacyDashboard.openOrders')}
            empty={t('pharmacyDashboard.noOpenOrders')}
            count={d.openPurchaseOrders.length}
            testId="open-orders"
          >
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('purchaseOrders.number')}</Table.Th>
                  <Table.Th>{t('purchaseOrders.vendor')}</Table.Th>
                  <Table.Th>{t('purchaseOrders.status')}</Table.Th>
                  <Table.Th>{t('purchaseOrders.expectedOn')}</Table.Th>
                  <Table.Th ta="right">{t('purchaseOrders.total')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.openPurchaseOrders.map((o) => (
                  <Table.Tr key={o.id} data-order={o.id}>
                    <Table.Td>
                      {pharmacist ? (
                        <Anchor component={Link} to={`/pharmacy/purchase-orders/${o.id}`} size="sm">
                          {o.number}
                        </Anchor>
                      ) : (
                        o.number
                      )}
                    </Table.Td>
                    <Table.Td>{o.vendorName}</Table.Td>
                    <Table.Td>
                      <Badge color={PO_STATUS_COLOR[o.status]}>{statusLabels[o.status]}</Badge>
                    </Table.Td>
                    <Table.Td>{o.expectedOn ? formatDate(o.expectedOn, lang) : '—'}</Table.Td>
                    <Table.Td ta="right">{formatMoney(o.total, lang)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Section>
        </>
      )}
    </Stack>
  );
}
