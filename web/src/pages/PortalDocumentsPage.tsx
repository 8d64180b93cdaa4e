import { Alert, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { DocumentsPanel } from '../documents/DocumentsPanel';

/** The patient's own document folder: prescriptions, results, exports and invoices, to download. */
export function PortalDocumentsPage() {
  const { t } = useTranslation();
  const own = useQuery({
    queryKey: ['patients', 'own'],
    queryFn: () => unwrap(api.GET('/api/v1/patients', { params: { query: { limit: 1 } } })),
  });
  const patient = own.data?.items[0];
  return (
    <Stack>
      <Title order={2}>{t('nav.myDocuments')}</Title>
      {own.isPending && <Loader />}
      {own.isError && <Alert color="red">{own.error.message}</Alert>}
      {own.isSuccess && !patient && <Text>{t('portal.noRecord')}</Text>}
      {patient && (
        <>
          <Text size="sm">{t('documents.portalHelp')}</Text>
          <DocumentsPanel patientId={patient.id} canManage={false} />
        </>
      )}
    </Stack>
  );
}
