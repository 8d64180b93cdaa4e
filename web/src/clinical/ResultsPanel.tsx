import { Card, Stack } from '@mantine/core';
import { ResultForm } from './ResultForm';
import { ResultsList } from './ResultsList';

/** Results in the doctor's record: the same recording form as the results desk, then the list. */
export function ResultsPanel({ patientId }: { patientId: string }) {
  return (
    <Stack>
      <Card withBorder>
        <ResultForm patientId={patientId} />
      </Card>
      <ResultsList patientId={patientId} />
    </Stack>
  );
}
