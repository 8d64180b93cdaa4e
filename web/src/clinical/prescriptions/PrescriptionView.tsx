import { Badge, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Prescription, PrescriptionLineInput } from '../../api/types';
import { formatDate, formatInstant, formatMoney } from '../../format';
import { PdfButton } from '../PdfButton';
import type { PdfLanguage } from '../pdf';
import { prescriptionPdf } from '../pdf';

/** "Mañana, noche · después de comer · 7 días". */
function useDosage() {
  const { t } = useTranslation();
  return (l: Pick<PrescriptionLineInput, 'morning' | 'afternoon' | 'night' | 'foodTiming' | 'days'>) =>
    [
      [
        l.morning && t('prescriptions.morning'),
        l.afternoon && t('prescriptions.afternoon'),
        l.night && t('prescriptions.night'),
      ]
        .filter(Boolean)
        .join(', '),
      t(`foodTiming.${l.foodTiming}`),
      t('prescriptions.forDays', { count: l.days }),
    ]
      .filter(Boolean)
      .join(' · ');
}

/** An exact decimal quantity ("10.000") in the reader's language ("10"); Intl keeps a string's digits exact. */
const formatQuantity = (quantity: string, language: string) =>
  new Intl.NumberFormat(language, { maximumFractionDigits: 3, useGrouping: false }).format(
    quantity as Intl.StringNumericLiteral,
  );

/** Opens the printable prescription in the reader's language (or, `download`, saves it). */
export function PrintButton({ prescription, download = false }: { prescription: Prescription; download?: boolean }) {
  const { t, i18n } = useTranslation();
  const { number } = prescription;
  return (
    <PdfButton
      variant="default"
      label={download ? t('common.downloadPdf') : t('common.print')}
      ariaLabel={download ? t('prescriptions.download', { number }) : t('prescriptions.print', { number })}
      load={() => prescriptionPdf(prescription.id, i18n.language as PdfLanguage)}
      filename={`${number}.pdf`}
      action={download ? 'download' : 'open'}
    />
  );
}

/** A prescription as issued: read-only, with its lines and the print button. */
export function PrescriptionView({ prescription: p }: { prescription: Prescription }) {
  const { t, i18n } = useTranslation();
  const dosage = useDosage();
  const rows: [string, ReactNode][] = [
    [t('prescriptions.date'), formatDate(p.date, i18n.language)],
    [t('prescriptions.prescriber'), p.prescriberName ?? '—'],
    [
      t('prescriptions.treatment'),
      p.treatmentName
        ? `${p.treatmentName}${p.treatmentCost ? ` · ${formatMoney(p.treatmentCost, i18n.language)}` : ''}`
        : '—',
    ],
    [t('prescriptions.teeth'), p.teeth.length ? p.teeth.join(', ') : '—'],
    [t('prescriptions.referred'), p.referredPractitionerName ?? '—'],
    [
      t('prescriptions.nextAppointment'),
      p.nextAppointmentDate ? formatDate(p.nextAppointmentDate, i18n.language) : '—',
    ],
  ];
  return (
    <Stack data-testid="prescription-view">
      <Group justify="space-between">
        <Group gap="xs">
          <Text fw={700}>{p.number}</Text>
          <Badge color={p.status === 'signed' ? 'teal.9' : 'gray.7'}>{t(`prescriptionStatus.${p.status}`)}</Badge>
        </Group>
        <Group gap="xs">
          <PrintButton prescription={p} />
          <PrintButton prescription={p} download />
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xs">
        {rows.map(([label, value]) => (
          <div key={label}>
            <Text size="xs" c="dimmed">
              {label}
            </Text>
            <Text size="sm">{value}</Text>
          </div>
        ))}
      </SimpleGrid>
      <Table.ScrollContainer
        minWidth={560}
        scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('prescriptions.lines') } }}
      >
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('prescriptions.medicament')}</Table.Th>
              <Table.Th>{t('prescriptions.quantity')}</Table.Th>
              <Table.Th>{t('prescriptions.dosage')}</Table.Th>
              <Table.Th>{t('prescriptions.price')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {p.lines.map((l) => (
              <Table.Tr key={l.lineNo}>
                <Table.Td>
                  {[l.medicament, l.strength, t(`drugForm.${l.form}`)].filter(Boolean).join(' · ')}
                  {l.genericName && (
                    <Text size="xs" c="dimmed">
                      {l.genericName}
                    </Text>
                  )}
                  {l.instructions && <Text size="xs">{l.instructions}</Text>}
                </Table.Td>
                <Table.Td>
                  {l.quantity}
                  {p.status === 'signed' && (
                    <Text size="xs" c="dimmed">
                      {[
                        t('prescriptions.dispensed', {
                          dispensed: formatQuantity(l.dispensed, i18n.language),
                          prescribed: l.quantity,
                        }),
                        l.lastDispensedAt &&
                          t('prescriptions.lastDispensed', { when: formatInstant(l.lastDispensedAt, i18n.language) }),
                      ]
                        .filter(Boolean)
                        .join(' · ')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{dosage(l)}</Table.Td>
                <Table.Td>{l.price ? formatMoney(l.price, i18n.language) : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="sm">
        {t('prescriptions.total')}: <strong>{formatMoney(p.linesTotal, i18n.language)}</strong>
      </Text>
      {p.notes && <Text size="sm">{p.notes}</Text>}
      {p.signedAt && (
        <Text size="xs" c="dimmed">
          {t('prescriptions.signedAt', { when: formatInstant(p.signedAt, i18n.language) })}
        </Text>
      )}
    </Stack>
  );
}
