import {
  Alert,
  Badge,
  Button,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { MailDelivery, MailDeliveryStatus } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { formatInstant } from '../format';

const STATUSES: MailDeliveryStatus[] = ['sending', 'sent', 'retrying', 'failed', 'skipped'];

/** Filled badges with white text, dark enough to read; yellow (still trying) takes black text instead. */
const STATUS_COLOR: Record<MailDeliveryStatus, string> = {
  sending: 'blue.8',
  sent: 'teal.9',
  retrying: 'yellow.4',
  failed: 'red.9',
  skipped: 'gray.7',
};

interface Filters {
  status: string;
  recipient: string;
}

const NONE: Filters = { status: '', recipient: '' };

/** The last error, cut to one line; a click or tap shows all of it (SMTP answers run long). */
function LastError({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  return (
    <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={open} maw={open ? 420 : 240}>
      <Text size="xs" c="red.9" truncate={open ? undefined : 'end'} style={{ overflowWrap: 'anywhere' }}>
        {text}
      </Text>
    </UnstyledButton>
  );
}

function DeliveryRow({ delivery: d }: { delivery: MailDelivery }) {
  const { t, i18n } = useTranslation();
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="xs">{formatInstant(d.createdAt, i18n.language)}</Text>
      </Table.Td>
      <Table.Td>
        <Badge color={STATUS_COLOR[d.status]} autoContrast>
          {t(`deliveryStatus.${d.status}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{t(`mailTemplate.${d.template}`, { defaultValue: d.template })}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{d.recipient}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="xs">{d.attempts}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{d.sentAt ? formatInstant(d.sentAt, i18n.language) : ''}</Text>
      </Table.Td>
      <Table.Td>{d.lastError && <LastError text={d.lastError} />}</Table.Td>
    </Table.Tr>
  );
}

/** Every e-mail the server sent or tried to send, newest first (administrators). */
export function MailPage() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const list = useInfiniteQuery({
    queryKey: ['mail-deliveries', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/mail-deliveries', {
          params: {
            query: {
              ...(filters.status ? { status: filters.status as MailDeliveryStatus } : {}),
              ...(filters.recipient.trim() ? { recipient: filters.recipient.trim() } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
              limit: 50,
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
  const deliveries = list.data?.pages.flatMap((p) => p.items) ?? [];
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  return (
    <Stack>
      <Title order={2}>{t('mail.title')}</Title>
      <form onSubmit={apply}>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('mail.status')}
            clearable
            value={draft.status || null}
            onChange={(v) => setDraft((d) => ({ ...d, status: v ?? '' }))}
            data={STATUSES.map((s) => ({ value: s, label: t(`deliveryStatus.${s}`) }))}
          />
          <TextInput
            label={t('mail.recipient')}
            description={t('mail.recipientHelp')}
            type="email"
            value={draft.recipient}
            onChange={(e) => {
              const recipient = e.currentTarget.value;
              setDraft((d) => ({ ...d, recipient }));
            }}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit">{t('mail.apply')}</Button>
          <Button
            variant="default"
            onClick={() => {
              setDraft(NONE);
              setFilters(NONE);
            }}
          >
            {t('mail.clear')}
          </Button>
        </Group>
      </form>
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && deliveries.length === 0 && <Text c="dimmed">{t('mail.none')}</Text>}
      {deliveries.length > 0 && (
        <Table.ScrollContainer
          minWidth={760}
          // On a phone the table scrolls sideways: a keyboard must be able to scroll it too.
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('mail.title') } }}
        >
          <Table striped data-testid="mail-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('mail.created')}</Table.Th>
                <Table.Th>{t('mail.status')}</Table.Th>
                <Table.Th>{t('mail.template')}</Table.Th>
                <Table.Th>{t('mail.recipient')}</Table.Th>
                <Table.Th ta="right">{t('mail.attempts')}</Table.Th>
                <Table.Th>{t('mail.sent')}</Table.Th>
                <Table.Th>{t('mail.lastError')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.map((d) => (
                <DeliveryRow key={d.id} delivery={d} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={list} />
    </Stack>
  );
}
