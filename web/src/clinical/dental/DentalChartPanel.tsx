import { Alert, Loader, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDentalChart } from '../queries';
import { Odontogram, type Selection } from './Odontogram';
import { ToothPanel } from './ToothPanel';

/** The patient's dental chart; choosing a tooth shows its history (and, for a doctor, what to record). */
export function DentalChartPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const { t } = useTranslation();
  const chart = useDentalChart(patientId);
  const [selection, setSelection] = useState<Selection | null>(null);
  if (chart.isPending) return <Loader />;
  if (chart.isError) return <Alert color="red">{chart.error.message}</Alert>;
  return (
    <Stack>
      <Odontogram chart={chart.data} selection={selection} onSelect={setSelection} />
      {selection ? (
        <ToothPanel
          patientId={patientId}
          selection={selection}
          canWrite={canWrite}
          onSurfaces={(surfaces) => setSelection({ ...selection, surfaces })}
        />
      ) : (
        <Text c="dimmed">{t('dental.chooseTooth')}</Text>
      )}
    </Stack>
  );
}
