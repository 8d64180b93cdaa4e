import { useMantineTheme } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate } from '../format';
import { ChartCard } from './ChartCard';
import { formatQuantity } from './quantity';
import type { Dashboard } from './types';

/** Ticks and labels dark enough for 4.5:1 on white. */
const INK = '#495057';

/** "4 may": a day of the period on the chart's axis. */
const shortDay = (date: string, language: string) =>
  new Intl.DateTimeFormat(language, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

/**
 * Dispensed per day. The chart plots numbers (a drawing needs them); every figure a person
 * reads (tooltip, table) is the exact decimal the server sent.
 */
export function ConsumptionChart({ days }: { days: Dashboard['consumption'] }) {
  const { t, i18n } = useTranslation();
  const theme = useMantineTheme();
  const lang = i18n.language;
  const data = days.map((d) => ({ date: d.date, value: Number(d.quantity), exact: d.quantity }));
  const title = t('pharmacyDashboard.consumption');
  const summary = t('pharmacyDashboard.consumptionSummary', { count: days.length });
  return (
    <ChartCard
      testId="consumption-chart"
      title={title}
      summary={summary}
      columns={[t('pharmacyDashboard.day'), t('pharmacyDashboard.quantity')]}
      rows={days.map((d) => [formatDate(d.date, lang), formatQuantity(d.quantity, lang)])}
      chart={
        <ResponsiveContainer width="100%" height={240}>
          <AreaChart data={data} accessibilityLayer={false} role="img" title={title} desc={summary}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="date"
              tickFormatter={(d: string) => shortDay(d, lang)}
              tick={{ fill: INK, fontSize: 12 }}
              minTickGap={16}
            />
            <YAxis tick={{ fill: INK, fontSize: 12 }} width={48} allowDecimals={false} />
            <Tooltip
              labelFormatter={(d) => formatDate(String(d), lang)}
              formatter={(_v, _n, item) => [
                formatQuantity(String(item.payload.exact), lang),
                t('pharmacyDashboard.quantity'),
              ]}
            />
            <Area
              type="monotone"
              dataKey="value"
              stroke={theme.colors.blue[8]}
              fill={theme.colors.blue[2]}
              isAnimationActive={false}
            />
          </AreaChart>
        </ResponsiveContainer>
      }
    />
  );
}

/** The most dispensed products of the period, as horizontal bars (names stay readable on a phone). */
export function TopProductsChart({ products }: { products: Dashboard['topProducts'] }) {
  const { t, i18n } = useTranslation();
  const theme = useMantineTheme();
  const lang = i18n.language;
  const data = products.map((p) => ({ name: p.name, value: Number(p.quantity), exact: p.quantity, unit: p.unit }));
  const title = t('pharmacyDashboard.topProducts');
  const summary = t('pharmacyDashboard.topProductsSummary');
  return (
    <ChartCard
      testId="top-products-chart"
      title={title}
      summary={summary}
      columns={[t('pharmacy.product'), t('pharmacyDashboard.quantity')]}
      rows={products.map((p) => [p.name, `${formatQuantity(p.quantity, lang)} ${p.unit}`])}
      chart={
        products.length === 0 ? null : (
          <ResponsiveContainer width="100%" height={Math.max(120, products.length * 36 + 40)}>
            <BarChart
              data={data}
              layout="vertical"
              accessibilityLayer={false}
              role="img"
              title={title}
              desc={summary}
              margin={{ left: 8, right: 16 }}
            >
              <CartesianGrid strokeDasharray="3 3" horizontal={false} />
              <XAxis type="number" tick={{ fill: INK, fontSize: 12 }} allowDecimals={false} />
              <YAxis type="category" dataKey="name" width={120} tick={{ fill: INK, fontSize: 12 }} />
              <Tooltip
                formatter={(_v, _n, item) => [
                  `${formatQuantity(String(item.payload.exact), lang)} ${item.payload.unit}`,
                  t('pharmacyDashboard.quantity'),
                ]}
              />
              <Bar dataKey="value" fill={theme.colors.teal[8]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        )
      }
    />
  );
}
