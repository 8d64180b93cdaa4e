import { Alert, Badge, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatInstant } from '../format';
import { FLAG_BADGE, useResultText, useVitalsReadings } from './display';
import { useEncounterLabel } from './EncountersPanel';
import { useSummary } from './queries';

function Section({
  title,
  empty,
  emptyText,
  children,
}: {
  title: string;
  empty: boolean;
  emptyText?: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {title}
      </Title>
      {empty ? (
        <Text size="sm" c="dimmed">
          {emptyText ?? t('summary.nothing')}
        </Text>
      ) : (
        children
      )}
    </Card>
  );
}

/** The first view of a patient's record: allergies, active diagnoses, last vitals, recent results, open encounters. */
export function SummaryPanel({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const summary = useSummary(patientId);
  const readings = useVitalsReadings();
  const resultText = useResultText();
  const encounterLabel = useEncounterLabel();
  if (summary.isPending) return <Loader />;
  if (summary.isError) return <Alert color="red">{summary.error.message}</Alert>;
  const s = summary.data;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} data-testid="clinical-summary">
      <Section title={t('patient.allergies')} empty={s.allergies.length === 0} emptyText={t('patient.noAllergies')}>
        <Group gap="xs">
          {s.allergies.map((a) => (
            <Badge key={a} color="red.9">
              {a}
            </Badge>
          ))}
        </Group>
      </Section>
      <Section title={t('summary.activeDiagnoses')} empty={s.activeDiagnoses.length === 0}>
        <Stack gap={4}>
          {s.activeDiagnoses.map((d) => (
            <Text key={d.id} size="sm">
              <strong>{d.code}</strong> {d.display}
            </Text>
          ))}
        </Stack>
      </Section>
      <Section title={t('summary.lastVitals')} empty={!s.lastVitals}>
        {s.lastVitals && (
          <Stack gap={4}>
            <Text size="xs" c="dimmed">
              {formatInstant(s.lastVitals.measuredAt, i18n.language)}
            </Text>
            {readings(s.lastVitals).map((r) => (
              <Text key={r.key} size="sm">
                {r.label}: <strong>{r.value}</strong>
              </Text>
            ))}
          </Stack>
        )}
      </Section>
      <Section title={t('summary.recentResults')} empty={s.recentResults.length === 0}>
        <Stack gap={4}>
          {s.recentResults.map((r) => (
            <Group key={r.id} gap="xs" wrap="nowrap">
              <Text size="sm" style={{ flex: 1 }}>
                {r.testName}: <strong>{resultText(r).value}</strong>
              </Text>
              {r.flag && <Badge color={FLAG_BADGE[r.flag]}>{t(`resultFlag.${r.flag}`)}</Badge>}
            </Group>
          ))}
        </Stack>
      </Section>
      <Section title={t('summary.openEncounters')} empty={s.openEncounters.length === 0}>
        <Stack gap={4}>
          {s.openEncounters.map((e) => (
            <Text key={e.id} size="sm">
              {encounterLabel(e)}
            </Text>
          ))}
        </Stack>
      </Section>
    </SimpleGrid>
  );
}
