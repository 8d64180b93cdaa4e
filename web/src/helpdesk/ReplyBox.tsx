import { Alert, Button, FileInput, Group, Stack, Switch, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { failureOf } from '../clinical/problems';
import { notify } from '../notify';
import { addArticle, uploadAttachment } from './api';
import { useRefreshIncidents } from './queries';
import type { ArticleKind } from './types';

/**
 * Writes to the conversation: a public reply, or (for agents) an internal note the reporter never
 * sees. Files are uploaded first, then attached to the article.
 */
export function ReplyBox({ incidentId, allowNotes }: { incidentId: string; allowNotes: boolean }) {
  const { t } = useTranslation();
  const refresh = useRefreshIncidents();
  const [body, setBody] = useState('');
  const [note, setNote] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const kind: ArticleKind = allowNotes && note ? 'note' : 'reply';
  const send = useMutation({
    mutationFn: async () => {
      const attachmentIds: string[] = [];
      for (const file of files) attachmentIds.push((await uploadAttachment(incidentId, file)).id);
      return addArticle(incidentId, {
        kind,
        body: body.trim(),
        ...(attachmentIds.length > 0 ? { attachmentIds } : {}),
      });
    },
    onSuccess: async (article) => {
      setBody('');
      setFiles([]);
      notify(article.kind === 'note' ? t('helpdesk.noteAdded') : t('helpdesk.replySent'));
      await refresh();
    },
  });
  const failure = send.error ? failureOf(send.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (body.trim()) send.mutate();
  };
  return (
    <form onSubmit={submit} data-testid="reply-box" data-kind={kind}>
      <Stack gap="sm">
        {allowNotes && (
          <Switch
            label={t('helpdesk.internalNoteSwitch')}
            description={t('helpdesk.internalNoteHelp')}
            checked={note}
            onChange={(e) => setNote(e.currentTarget.checked)}
          />
        )}
        <Textarea
          label={kind === 'note' ? t('helpdesk.noteLabel') : t('helpdesk.replyLabel')}
          required
          autosize
          minRows={3}
          maxLength={20000}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          error={failure?.fields.body}
          styles={kind === 'note' ? { input: { backgroundColor: 'var(--mantine-color-yellow-0)' } } : undefined}
        />
        <FileInput label={t('helpdesk.attachments')} multiple clearable value={files} onChange={setFiles} />
        {failure && (
          <Alert color="red" role="alert" data-testid="reply-error">
            {failure.message}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={send.isPending} disabled={!body.trim()}>
            {kind === 'note' ? t('helpdesk.addNote') : t('helpdesk.sendReply')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
