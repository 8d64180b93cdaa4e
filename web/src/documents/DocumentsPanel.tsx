import { Alert, Card, Group, Loader, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../components/LoadMore';
import { DeleteDocumentModal } from './DeleteDocumentModal';
import { DocumentCards, DocumentTable } from './DocumentList';
import { useCategoryLabels } from './labels';
import { useDocuments } from './queries';
import { CATEGORIES, type DocumentCategory, type PatientDocument } from './types';
import { UploadForm } from './UploadForm';

/**
 * A patient's document folder, newest first: prescriptions, exports, reports and invoices filed by
 * the server, and files uploaded by staff. Everyone who sees it can filter and download; staff
 * (`canManage`) also upload, delete with a reason, and look at what was deleted.
 */
export function DocumentsPanel({ patientId, canManage }: { patientId: string; canManage: boolean }) {
  const { t } = useTranslation();
  const labels = useCategoryLabels();
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const [category, setCategory] = useState<DocumentCategory | null>(null);
  const [includeDeleted, setIncludeDeleted] = useState(false);
  const [deleting, setDeleting] = useState<PatientDocument | null>(null);
  const { list, items } = useDocuments(patientId, { category, includeDeleted: canManage && includeDeleted });
  const List = phone ? DocumentCards : DocumentTable;
  return (
    <Stack data-testid="documents-panel">
      {canManage && (
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            {t('documents.uploadTitle')}
          </Title>
          <UploadForm patientId={patientId} />
        </Card>
      )}
      <Group align="flex-end" gap="md" preventGrowOverflow={false}>
        <Select
          label={t('documents.category')}
          placeholder={t('documents.allCategories')}
          data={CATEGORIES.map((c) => ({ value: c, label: labels[c] }))}
          value={category}
          onChange={(v) => setCategory(v as DocumentCategory | null)}
          clearable
          w={{ base: '100%', xs: 260 }}
        />
        {canManage && (
          <Switch
            label={t('documents.showDeleted')}
            checked={includeDeleted}
            onChange={(e) => setIncludeDeleted(e.currentTarget.checked)}
            mb={8}
          />
        )}
      </Group>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('documents.none')}</Text>}
      {items.length > 0 && <List items={items} onDelete={canManage ? setDeleting : undefined} />}
      <LoadMore list={list} />
      {deleting && <DeleteDocumentModal document={deleting} onClose={() => setDeleting(null)} />}
    </Stack>
  );
}
