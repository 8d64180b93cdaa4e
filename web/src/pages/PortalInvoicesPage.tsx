import { Alert, Badge, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { invoicePdf, listInvoices, pdfName } from '../billing/api';
import { STATUS_COLOR, useInvoiceLabels } from '../billing/labels';
import { PdfButton } from '../clinical/PdfButton';
import { LoadMore } from '../components/LoadMore';
import { formatDate, formatMoney } from '../format';

/** The patient's own issued invoices (the server never shows them drafts), each with its PDF. */
export function PortalInvoicesPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const labels = useInvoiceLabels();
  const list = useInfiniteQuery({
    queryKey: ['invoices', 'own'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listInvoices({ cursor: pageParam }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack maw={900}>
      <Title order={2}>{t('nav.myInvoices')}</Title>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('billing.noneOwn')}</Text>}
      <Stack gap="sm" data-testid="my-invoices">
        {items.map((invoice) => (
          <Card key={invoice.id} withBorder data-testid="my-invoice" data-invoice={invoice.id}>
            <Stack gap={6}>
              <Group justify="space-between" gap="xs" wrap="nowrap">
                <Text fw={700}>{invoice.number}</Text>
                <Badge color={STATUS_COLOR[invoice.status]} autoContrast style={{ flexShrink: 0 }}>
                  {labels.status[invoice.status]}
                </Badge>
              </Group>
              <Text size="sm">
                {invoice.issuedOn ? formatDate(invoice.issuedOn, lang) : ''} · {t('billing.total')}:{' '}
                <strong>{formatMoney(invoice.total, lang)}</strong>
                {invoice.status !== 'void' && invoice.due !== '0.00' && (
                  <>
                    {' '}
                    · {t('billing.due')}: {formatMoney(invoice.due, lang)}
                  </>
                )}
              </Text>
              <PdfButton
                label={t('common.downloadPdf')}
                ariaLabel={t('billing.downloadNumber', { number: invoice.number ?? '' })}
                load={() => invoicePdf(invoice.id, lang.startsWith('en') ? 'en' : 'es')}
                filename={pdfName(invoice.number)}
                action="download"
                variant="default"
                size="xs"
              />
            </Stack>
          </Card>
        ))}
      </Stack>
      <LoadMore list={list} />
    </Stack>
  );
}
