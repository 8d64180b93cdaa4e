import { Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Prescription } from '../../api/types';
import { LoadMore } from '../../components/LoadMore';
import { formatDate, formatMoney } from '../../format';
import { usePrescriptions } from '../queries';
import { PrescriptionForm } from './PrescriptionForm';
import { PrescriptionView } from './PrescriptionView';

/** The patient's prescriptions, newest first; one open at a time, to edit (a draft) or read and print. */
export function PrescriptionsPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const { list, items } = usePrescriptions(patientId);
  const [open, setOpen] = useState<Prescription | 'new' | null>(null);
  const editable = (p: Prescription | 'new') => canWrite && (p === 'new' || p.status === 'draft');
  return (
    <Stack>
      {canWrite && open === null && (
        <Group>
          <Button onClick={() => setOpen('new')}>{t('prescriptions.new')}</Button>
        </Group>
      )}
      {open !== null && (
        <Card withBorder>
          {editable(open) ? (
            <PrescriptionForm
              key={open === 'new' ? 'new' : open.id}
              patientId={patientId}
              prescription={open === 'new' ? null : open}
              onSigned={setOpen}
              onClose={() => setOpen(null)}
            />
          ) : (
            open !== 'new' && (
              <Stack>
                <PrescriptionView prescription={open} />
                <Group>
                  <Button variant="subtle" onClick={() => setOpen(null)}>
                    {t('common.close')}
                  </Button>
                </Group>
              </Stack>
            )
          )}
        </Card>
      )}
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('prescriptions.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={480}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('record.prescriptions') } }}
        >
          <Table striped highlightOnHover data-testid="prescription-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('prescriptions.number')}</Table.Th>
                <Table.Th>{t('prescriptions.date')}</Table.Th>
                <Table.Th>{t('prescriptions.medicines')}</Table.Th>
                <Table.Th>{t('prescriptions.total')}</Table.Th>
                <Table.Th>{t('prescriptions.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((p) => (
                <Table.Tr key={p.id} data-prescription={p.id}>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => setOpen(p)}>
                      {p.number}
                    </Button>
                  </Table.Td>
                  <Table.Td>{formatDate(p.date, i18n.language)}</Table.Td>
                  <Table.Td>{p.lines.map((l) => l.medicament).join(', ')}</Table.Td>
                  <Table.Td>{formatMoney(p.linesTotal, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Badge color={p.status === 'signed' ? 'teal.9' : 'gray.7'}>
                      {t(`prescriptionStatus.${p.status}`)}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={list} />
    </Stack>
  );
}
