import { Alert, Button, FileInput, Group, Progress, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { failureOf } from '../clinical/problems';
import i18n from '../i18n';
import { notify } from '../notify';
import { uploadDocument } from './api';
import { useCategoryLabels } from './labels';
import { useRefreshDocuments } from './queries';
import { UPLOAD_CATEGORIES, type UploadCategory } from './types';

/** Why the server refused a file: its own words (too large, a type it does not keep), else ours. */
function uploadFailure(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.problem.detail) return err.problem.detail;
    if (err.status === 413) return i18n.t('documents.tooLarge');
    if (err.status === 415) return i18n.t('documents.unsupportedType');
  }
  return failureOf(err).message;
}

/** Files a document in the patient's folder: the file, an optional title, and whether it is a result. */
export function UploadForm({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const labels = useCategoryLabels();
  const refresh = useRefreshDocuments(patientId);
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState<UploadCategory>('upload');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const upload = useMutation({
    mutationFn: (chosen: File) =>
      uploadDocument(
        patientId,
        { file: chosen, category, ...(title.trim() ? { title: title.trim() } : {}) },
        setProgress,
      ),
    onMutate: () => {
      setError(null);
      setProgress(0);
    },
    onSuccess: async (document) => {
      setFile(null);
      setTitle('');
      notify(t('documents.uploaded', { title: document.title }));
      await refresh();
    },
    onError: (err) => setError(uploadFailure(err)),
    onSettled: () => setProgress(null),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) upload.mutate(file);
  };
  return (
    <form onSubmit={submit} noValidate data-testid="document-upload">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <FileInput
            label={t('documents.file')}
            placeholder={t('documents.chooseFile')}
            value={file}
            onChange={(f) => {
              setFile(f);
              setError(null);
            }}
            clearable
            clearButtonProps={{ 'aria-label': t('documents.clearFile') }}
            required
          />
          <TextInput
            label={t('documents.titleLabel')}
            description={t('documents.titleHelp')}
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            maxLength={200}
          />
          <Select
            label={t('documents.category')}
            data={UPLOAD_CATEGORIES.map((c) => ({ value: c, label: labels[c] }))}
            value={category}
            onChange={(v) => v && setCategory(v as UploadCategory)}
            allowDeselect={false}
          />
        </SimpleGrid>
        {progress !== null && (
          <Progress value={Math.round(progress * 100)} aria-label={t('documents.progress')} animated={progress >= 1} />
        )}
        {error && (
          <Alert color="red" role="alert" data-testid="upload-error">
            {error}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={upload.isPending} disabled={!file}>
            {t('documents.upload')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
