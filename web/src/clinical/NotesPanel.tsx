import { Alert, Button, Card, Group, Loader, Select, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { Note } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { notify } from '../notify';
import { EncounterForm } from './EncounterForm';
import { useEncounterLabel } from './EncountersPanel';
import { NoteCard } from './NoteCard';
import { failureOf } from './problems';
import { useEncounters, useNotes, useRefreshRecord } from './queries';
import { SoapForm } from './SoapForm';

/** A new draft in one of the patient's encounters (opened here first when there is none to write in). */
function NewNote({ patientId, onDone }: { patientId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshRecord(patientId);
  const label = useEncounterLabel();
  const encounters = useEncounters(patientId);
  // Notes go to an encounter that was not cancelled; the one in progress first.
  const usable = encounters.items
    .filter((e) => e.status !== 'cancelled')
    .sort((a, b) => Number(b.status === 'in_progress') - Number(a.status === 'in_progress'));
  const [chosen, setChosen] = useState<string | null>(null);
  const encounterId = chosen ?? usable[0]?.id ?? null;
  const create = useMutation({
    mutationFn: (soap: Record<string, string>) =>
      unwrap(
        api.POST('/api/v1/patients/{id}/notes', {
          params: { path: { id: patientId } },
          body: { encounterId: encounterId ?? '', ...soap },
        }),
      ),
    onSuccess: async () => {
      notify(t('notes.saved'));
      await refresh();
      onDone();
    },
  });
  if (encounters.list.isPending) return <Loader />;
  if (!encounterId)
    return (
      <Stack>
        <Text size="sm">{t('notes.needEncounter')}</Text>
        <EncounterForm patientId={patientId} onOpened={(e) => setChosen(e.id)} onCancel={onDone} />
      </Stack>
    );
  return (
    <SoapForm
      submitLabel={t('notes.saveDraft')}
      busy={create.isPending}
      failure={create.error && failureOf(create.error)}
      onSubmit={(soap) => create.mutate(soap)}
      onCancel={onDone}
    >
      <Select
        label={t('notes.encounter')}
        data={usable.map((e) => ({ value: e.id, label: label(e) }))}
        value={encounterId}
        onChange={setChosen}
        allowDeselect={false}
      />
    </SoapForm>
  );
}

/** The note an addendum corrects, followed back to the first one: addenda show under it. */
function rootOf(note: Note, byId: Map<string, Note>): string {
  const parentOf = (n: Note) => (n.amends ? byId.get(n.amends) : undefined);
  let n = note;
  for (let parent = parentOf(n); parent; parent = parentOf(n)) n = parent;
  return n.id;
}

/** The patient's SOAP notes, newest first, each with its addenda; a new draft on top. */
export function NotesPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const { t } = useTranslation();
  const { list, items } = useNotes(patientId);
  const [writing, setWriting] = useState(false);
  const byId = new Map(items.map((n) => [n.id, n]));
  const addenda = new Map<string, Note[]>();
  for (const n of [...items].reverse()) {
    const root = rootOf(n, byId);
    if (root !== n.id) addenda.set(root, [...(addenda.get(root) ?? []), n]);
  }
  const roots = items.filter((n) => rootOf(n, byId) === n.id);
  return (
    <Stack>
      {canWrite &&
        (writing ? (
          <Card withBorder data-testid="new-note">
            <NewNote patientId={patientId} onDone={() => setWriting(false)} />
          </Card>
        ) : (
          <Group>
            <Button onClick={() => setWriting(true)}>{t('notes.new')}</Button>
          </Group>
        ))}
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('notes.none')}</Text>}
      {roots.map((n) => (
        <NoteCard key={n.id} note={n} addenda={addenda.get(n.id) ?? []} canWrite={canWrite} />
      ))}
      <LoadMore list={list} />
    </Stack>
  );
}
