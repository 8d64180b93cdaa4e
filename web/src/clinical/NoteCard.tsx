import { Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { Note } from '../api/types';
import { useSession } from '../auth/useSession';
import { ConfirmModal } from '../components/ConfirmModal';
import { formatInstant } from '../format';
import { notify } from '../notify';
import { failureOf } from './problems';
import { useRefreshRecord } from './queries';
import { SECTIONS, type Soap, SoapForm, useSoapLabels } from './SoapForm';

/** The written sections of a note, read-only. */
function Sections({ note }: { note: Note }) {
  const labels = useSoapLabels();
  return (
    <Stack gap={4}>
      {SECTIONS.filter((s) => note[s]).map((s) => (
        <div key={s} data-section={s}>
          <Text size="xs" fw={700}>
            {labels[s]}
          </Text>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {note[s]}
          </Text>
        </div>
      ))}
    </Stack>
  );
}

type Mode = 'read' | 'edit' | 'sign' | 'amend';

/**
 * A note. Its author edits and signs a draft (after confirming: a signed note never changes);
 * a signed note is read-only, corrected by addenda, shown under it.
 */
export function NoteCard({ note, addenda, canWrite }: { note: Note; addenda: Note[]; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const refresh = useRefreshRecord(note.patientId);
  const [mode, setMode] = useState<Mode>('read');
  const path = { params: { path: { id: note.patientId, noteId: note.id } } };
  const done = async (message: string) => {
    notify(message);
    setMode('read');
    await refresh();
  };
  const edit = useMutation({
    mutationFn: (soap: Soap) => unwrap(api.PATCH('/api/v1/patients/{id}/notes/{noteId}', { ...path, body: soap })),
    onSuccess: () => done(t('notes.saved')),
  });
  const sign = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/patients/{id}/notes/{noteId}/sign', path)),
    onSuccess: () => done(t('notes.signedDone')),
    // The reason shows on the card, not in a dialog that hides it.
    onError: () => setMode('read'),
  });
  const amend = useMutation({
    mutationFn: (soap: Soap) =>
      unwrap(api.POST('/api/v1/patients/{id}/notes/{noteId}/addenda', { ...path, body: soap })),
    onSuccess: () => done(t('notes.amended')),
  });
  const mine = note.authorId === session?.user.id;
  const draft = note.status === 'draft';
  return (
    <Card withBorder data-testid="note" data-status={note.status} data-note={note.id}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text size="sm" fw={600}>
            {note.amends ? t('notes.addendum') : t('notes.note')} · {formatInstant(note.createdAt, i18n.language)}
          </Text>
          <Badge color={draft ? 'gray.7' : 'teal.9'}>{draft ? t('notes.draft') : t('notes.signed')}</Badge>
        </Group>
        {mode === 'edit' ? (
          <SoapForm
            initial={note}
            submitLabel={t('notes.saveDraft')}
            busy={edit.isPending}
            failure={edit.error && failureOf(edit.error)}
            onSubmit={(soap) => edit.mutate(soap)}
            onCancel={() => setMode('read')}
          />
        ) : (
          <Sections note={note} />
        )}
        {note.signedAt && (
          <Text size="xs" c="dimmed">
            {t('notes.signedAt', { when: formatInstant(note.signedAt, i18n.language) })}
            {note.contentHash && ` · SHA-256 ${note.contentHash.slice(0, 12)}…`}
          </Text>
        )}
        {sign.error && (
          <Text size="sm" c="red.9" role="alert">
            {failureOf(sign.error).message}
          </Text>
        )}
        {canWrite && mode === 'read' && draft && mine && (
          <Group>
            <Button size="xs" variant="default" onClick={() => setMode('edit')}>
              {t('common.edit')}
            </Button>
            <Button size="xs" onClick={() => setMode('sign')}>
              {t('notes.sign')}
            </Button>
          </Group>
        )}
        {canWrite && mode === 'read' && !draft && !note.amends && (
          <Group>
            <Button size="xs" variant="default" onClick={() => setMode('amend')}>
              {t('notes.addAddendum')}
            </Button>
          </Group>
        )}
        {mode === 'amend' && (
          <Card withBorder bg="gray.0">
            <Text size="sm" fw={600} mb="xs">
              {t('notes.newAddendum')}
            </Text>
            <SoapForm
              submitLabel={t('notes.signAddendum')}
              busy={amend.isPending}
              failure={amend.error && failureOf(amend.error)}
              onSubmit={(soap) => amend.mutate(soap)}
              onCancel={() => setMode('read')}
            />
          </Card>
        )}
        {addenda.length > 0 && (
          <Stack gap="xs" pl="md" style={{ borderLeft: '3px solid var(--mantine-color-gray-4)' }}>
            {addenda.map((a) => (
              <NoteCard key={a.id} note={a} addenda={[]} canWrite={false} />
            ))}
          </Stack>
        )}
      </Stack>
      {mode === 'sign' && (
        <ConfirmModal
          title={t('notes.signTitle')}
          confirmLabel={t('notes.sign')}
          busy={sign.isPending}
          onConfirm={() => sign.mutate()}
          onClose={() => setMode('read')}
        >
          {t('notes.signWarning')}
        </ConfirmModal>
      )}
    </Card>
  );
}
