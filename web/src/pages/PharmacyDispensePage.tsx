import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { LoadMore } from '../components/LoadMore';
import { formatDate } from '../format';
import { getPrescription } from '../pharmacy/api';
import { DispenseLine } from '../pharmacy/DispenseLine';
import { useRefreshPharmacy, useSignedPrescriptions } from '../pharmacy/queries';
import { PatientPicker } from '../scheduling/PatientPicker';
import { usePatient } from '../scheduling/queries';

/** The chosen prescription: whose it is, and each line with what is left to dispense. */
function PrescriptionToDispense({ id, onBack }: { id: string; onBack: () => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const refreshPharmacy = useRefreshPharmacy();
  const prescription = useQuery({
    queryKey: ['pharmacy', 'prescription', id],
    queryFn: () => getPrescription(id),
    staleTime: 0,
  });
  const p = prescription.data;
  const patient = usePatient(p?.patientId);
  const refresh = async () => {
    await refreshPharmacy();
    await queryClient.invalidateQueries({ queryKey: ['prescriptions'] });
  };
  if (prescription.isPending) return <Loader />;
  if (prescription.isError) return <Alert color="red">{prescription.error.message}</Alert>;
  if (!p) return null;
  return (
    <Stack data-testid="prescription-to-dispense">
      <Group justify="space-between">
        <Title order={3}>{t('dispense.prescription', { number: p.number })}</Title>
        <Button variant="default" onClick={onBack}>
          {t('dispense.another')}
        </Button>
      </Group>
      <Card withBorder padding="sm">
        <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="xs">
          <div>
            <Text size="xs">{t('booking.patient')}</Text>
            <Text size="sm" fw={500}>
              {patient.data
                ? `${patient.data.patientNumber} · ${patient.data.firstName} ${patient.data.lastName}`
                : '…'}
            </Text>
          </div>
          <div>
            <Text size="xs">{t('prescriptions.date')}</Text>
            <Text size="sm" fw={500}>
              {formatDate(p.date, i18n.language)}
            </Text>
          </div>
          <div>
            <Text size="xs">{t('prescriptions.prescriber')}</Text>
            <Text size="sm" fw={500}>
              {p.prescriberName ?? '—'}
            </Text>
          </div>
        </SimpleGrid>
      </Card>
      {p.lines.map((line) => (
        <DispenseLine key={line.lineNo} prescription={p} line={line} onDispensed={refresh} />
      ))}
    </Stack>
  );
}

/**
 * Dispensing: find a signed prescription (by its number, or newest first of one patient),
 * then dispense each line from the stock, first to expire first.
 */
export function PharmacyDispensePage() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const selected = params.get('prescription');
  const [patientId, setPatientId] = useState<string | null>(null);
  const [number, setNumber] = useState('');
  const wanted = number.trim().toUpperCase();
  // A whole number is looked up by the server; part of one narrows the pages loaded so far.
  const list = useSignedPrescriptions(patientId, /^PRN\d{5,9}$/.test(wanted) ? wanted : null);
  const items = (list.data?.pages.flatMap((p) => p.items) ?? []).filter((p) => !wanted || p.number.includes(wanted));
  const choose = (id: string | null) => setParams(id ? { prescription: id } : {});
  return (
    <Stack>
      <Title order={2}>{t('dispense.title')}</Title>
      {selected ? (
        <PrescriptionToDispense id={selected} onBack={() => choose(null)} />
      ) : (
        <>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <PatientPicker value={patientId} onChange={setPatientId} required={false} />
            <TextInput
              label={t('dispense.number')}
              description={t('dispense.numberHelp')}
              type="search"
              value={number}
              onChange={(e) => setNumber(e.currentTarget.value)}
            />
          </SimpleGrid>
          {list.isPending && <Loader />}
          {list.isError && <Alert color="red">{list.error.message}</Alert>}
          {list.isSuccess && items.length === 0 && (
            <Text c="dimmed">{list.hasNextPage ? t('dispense.noneLoaded') : t('dispense.none')}</Text>
          )}
          {items.length > 0 && (
            <Table.ScrollContainer
              minWidth={480}
              scrollAreaProps={{
                viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('dispense.signedPrescriptions') },
              }}
            >
              <Table striped data-testid="prescriptions-to-dispense">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('prescriptions.number')}</Table.Th>
                    <Table.Th>{t('prescriptions.date')}</Table.Th>
                    <Table.Th>{t('prescriptions.prescriber')}</Table.Th>
                    <Table.Th>{t('prescriptions.medicines')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((p) => (
                    <Table.Tr key={p.id} data-prescription={p.number}>
                      <Table.Td>
                        <Anchor
                          component="button"
                          type="button"
                          size="sm"
                          onClick={() => choose(p.id)}
                          aria-label={t('dispense.open', { number: p.number })}
                        >
                          {p.number}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{formatDate(p.date, i18n.language)}</Table.Td>
                      <Table.Td>{p.prescriberName ?? '—'}</Table.Td>
                      <Table.Td>{p.lines.map((l) => l.medicament).join(', ')}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <LoadMore list={list} />
        </>
      )}
    </Stack>
  );
}
