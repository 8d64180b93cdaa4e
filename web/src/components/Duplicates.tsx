import { Alert, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import type { DuplicateCandidate } from '../api/types';
import { hasRole, useSession } from '../auth/useSession';
import { formatDate } from '../format';
import { ACCESS } from '../nav';
import { notify } from '../notify';

/**
 * Likely duplicates of a patient, each with a merge action: the record shown here (`patientId`)
 * is merged into the existing candidate, which keeps everything of both.
 */
export function Duplicates({ patientId, candidates }: { patientId: string; candidates: DuplicateCandidate[] }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSession();
  const canMerge = hasRole(session?.user.roles, ACCESS.mergePatients);
  const merge = useMutation({
    mutationFn: (keepId: string) =>
      unwrap(
        api.POST('/api/v1/patients/{id}/merge', { params: { path: { id: keepId } }, body: { duplicateId: patientId } }),
      ),
    onSuccess: async (kept) => {
      notify(t('duplicates.merged', { number: kept.patientNumber }));
      await queryClient.invalidateQueries({ queryKey: ['patients'] });
      await queryClient.invalidateQueries({ queryKey: ['patient'] });
      navigate(`/patients/${kept.id}`);
    },
  });
  if (candidates.length === 0) return null;
  return (
    <Alert
      color="yellow"
      variant="outline"
      title={t('duplicates.title')}
      data-testid="duplicate-warning"
      styles={{
        root: { borderWidth: 2, background: 'var(--mantine-color-yellow-0)' },
        title: { color: 'var(--mantine-color-black)' },
      }}
    >
      <Stack gap="xs">
        <Text size="sm">{t('duplicates.text')}</Text>
        {merge.isError && <Text c="red">{merge.error.message}</Text>}
        <Table.ScrollContainer minWidth={300}>
          <Table>
            <Table.Tbody>
              {candidates.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.patientNumber}</Table.Td>
                  <Table.Td>
                    {c.firstName} {c.lastName}
                  </Table.Td>
                  <Table.Td>{formatDate(c.birthDate, i18n.language)}</Table.Td>
                  <Table.Td>{c.documentNumber}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="default" onClick={() => navigate(`/patients/${c.id}`)}>
                        {t('common.open')}
                      </Button>
                      {canMerge && (
                        <Button size="xs" color="red.9" loading={merge.isPending} onClick={() => merge.mutate(c.id)}>
                          {t('duplicates.merge')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {canMerge && <Text size="xs">{t('duplicates.mergeHelp')}</Text>}
      </Stack>
    </Alert>
  );
}
