import { Alert, Button, Card, Group, Select, SimpleGrid, Stack, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { failureOf } from '../clinical/problems';
import { formatInstant } from '../format';
import { notify } from '../notify';
import { useAppointments } from '../scheduling/queries';
import { createIncident } from './api';
import { useIncidentLabels } from './labels';
import { useRefreshIncidents } from './queries';
import { CATEGORIES, type IncidentCategory } from './types';

/** Reporting an incident from the portal: what happened, what it is about, and the appointment it concerns. */
export function NewIncidentForm({ onDone }: { onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const labels = useIncidentLabels();
  const navigate = useNavigate();
  const refresh = useRefreshIncidents();
  const appointments = useAppointments({});
  const [subject, setSubject] = useState('');
  const [category, setCategory] = useState<IncidentCategory | null>(null);
  const [description, setDescription] = useState('');
  const [appointmentId, setAppointmentId] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      createIncident({
        subject: subject.trim(),
        description: description.trim(),
        category: category ?? 'other',
        ...(appointmentId ? { appointmentId } : {}),
      }),
    onSuccess: async (incident) => {
      notify(t('helpdesk.created', { number: incident.number }));
      await refresh();
      onDone();
      navigate(`/portal/incidents/${incident.id}`);
    },
  });
  const failure = create.error ? failureOf(create.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (subject.trim() && description.trim() && category) create.mutate();
  };
  return (
    <Card withBorder>
      <form onSubmit={submit} data-testid="new-incident">
        <Stack>
          <Title order={3} size="h4">
            {t('helpdesk.newIncident')}
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label={t('helpdesk.subject')}
              required
              maxLength={200}
              value={subject}
              onChange={(e) => setSubject(e.currentTarget.value)}
              error={failure?.fields.subject}
            />
            <Select
              label={t('helpdesk.category')}
              required
              data={CATEGORIES.map((c) => ({ value: c, label: labels.category[c] }))}
              value={category}
              onChange={(v) => setCategory(v as IncidentCategory | null)}
              error={failure?.fields.category}
            />
          </SimpleGrid>
          <Textarea
            label={t('helpdesk.description')}
            description={t('helpdesk.descriptionHelp')}
            required
            autosize
            minRows={4}
            maxLength={20000}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={failure?.fields.description}
          />
          <Select
            label={t('helpdesk.appointment')}
            description={t('helpdesk.appointmentHelp')}
            clearable
            data={(appointments.data ?? []).map((a) => ({
              value: a.id,
              label: `${a.number} · ${formatInstant(a.start, i18n.language)}`,
            }))}
            value={appointmentId}
            onChange={setAppointmentId}
            error={failure?.fields.appointmentId}
          />
          {failure && (
            <Alert color="red" role="alert" data-testid="new-incident-error">
              {failure.message}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={create.isPending}>
              {t('helpdesk.report')}
            </Button>
            <Button variant="default" onClick={onDone}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
