import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { failureOf } from '../clinical/problems';
import { notify } from '../notify';
import { deleteDocument } from './api';
import { useRefreshDocuments } from './queries';
import type { PatientDocument } from './types';

/**
 * Removes a document from the patient's folder, saying why. The server keeps the file and the
 * reason (staff can still see both with "show deleted"); the reason is required.
 */
export function DeleteDocumentModal({ document, onClose }: { document: PatientDocument; onClose: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshDocuments(document.patientId);
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteDocument(document.patientId, document.id, reason.trim()),
    onSuccess: async () => {
      notify(t('documents.deleted', { title: document.title }));
      onClose();
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    remove.mutate();
  };
  const failure = remove.isError ? failureOf(remove.error) : null;
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('documents.deleteTitle')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">{t('documents.deleteText', { title: document.title })}</Text>
          <Textarea
            label={t('documents.reason')}
            description={t('documents.reasonHelp')}
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              setMissing(false);
            }}
            error={missing ? t('documents.reasonRequired') : (failure?.fields.reason ?? null)}
            required
            autosize
            minRows={2}
            maxLength={500}
            data-autofocus
          />
          {failure && !failure.fields.reason && (
            <Alert color="red" role="alert">
              {failure.message}
            </Alert>
          )}
          <Group>
            <Button type="submit" color="red.9" loading={remove.isPending}>
              {t('documents.delete')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
