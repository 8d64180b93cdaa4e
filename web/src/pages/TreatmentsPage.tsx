import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import type { Treatment } from '../api/types';
import { useFormFields } from '../components/useFormFields';
import { formatMoney } from '../format';
import { notify } from '../notify';
import { useTreatments } from '../scheduling/queries';

/** Creates a treatment (no `treatment`) or edits one; the server checks the code and the cost. */
function TreatmentForm({ treatment, onClose }: { treatment: Treatment | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { values, setValues, setErrors, field } = useFormFields({
    code: treatment?.code ?? '',
    name: treatment?.name ?? '',
    durationMinutes: String(treatment?.durationMinutes ?? 30),
    cost: treatment?.cost ?? '',
    isDental: treatment?.isDental ?? false,
    active: treatment?.active ?? true,
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    // The cost stays a string: an exact decimal, never a float.
    const body = {
      ...values,
      cost: values.cost.trim().replace(',', '.'),
      durationMinutes: Number(values.durationMinutes),
    };
    try {
      const saved = treatment
        ? await unwrap(api.PUT('/api/v1/treatments/{id}', { params: { path: { id: treatment.id } }, body }))
        : await unwrap(api.POST('/api/v1/treatments', { body }));
      notify(t('treatments.saved', { name: saved.name }));
      await queryClient.invalidateQueries({ queryKey: ['treatments'] });
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && err.problem.errors?.length) {
        setErrors(err.fieldErrors());
        setError(t('errors.fixFields'));
      } else if (err instanceof ApiError && err.status === 409) setError(t('treatments.codeTaken'));
      else setError(err instanceof ApiError ? err.message : t('errors.network'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      opened
      onClose={onClose}
      title={treatment ? treatment.name : t('treatments.new')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <TextInput label={t('treatments.code')} required {...field('code')} />
          <TextInput label={t('treatments.name')} required {...field('name')} />
          <TextInput
            label={t('treatments.duration')}
            type="number"
            min={5}
            max={720}
            step={5}
            required
            {...field('durationMinutes')}
          />
          <TextInput
            label={t('treatments.cost')}
            description={t('treatments.costHelp')}
            inputMode="decimal"
            required
            {...field('cost')}
          />
          <Checkbox
            label={t('treatments.dental')}
            checked={values.isDental}
            onChange={(e) => {
              const isDental = e.currentTarget.checked;
              setValues((v) => ({ ...v, isDental }));
            }}
          />
          <Checkbox
            label={t('treatments.active')}
            checked={values.active}
            onChange={(e) => {
              const active = e.currentTarget.checked;
              setValues((v) => ({ ...v, active }));
            }}
          />
          <Group>
            <Button type="submit" loading={busy}>
              {t('common.save')}
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

/** The treatments catalogue (administrators): code, name, length of its slot and cost. */
export function TreatmentsPage() {
  const { t, i18n } = useTranslation();
  const list = useTreatments(true);
  const [editing, setEditing] = useState<Treatment | 'new' | null>(null);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('treatments.title')}</Title>
        <Button onClick={() => setEditing('new')}>{t('treatments.new')}</Button>
      </Group>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.data?.length === 0 && <Text c="dimmed">{t('treatments.none')}</Text>}
      {!!list.data?.length && (
        <Table.ScrollContainer
          minWidth={640}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('treatments.title') } }}
        >
          <Table striped data-testid="treatment-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('treatments.code')}</Table.Th>
                <Table.Th>{t('treatments.name')}</Table.Th>
                <Table.Th ta="right">{t('treatments.duration')}</Table.Th>
                <Table.Th ta="right">{t('treatments.cost')}</Table.Th>
                <Table.Th>{t('treatments.status')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((x) => (
                <Table.Tr key={x.id}>
                  <Table.Td>{x.code}</Table.Td>
                  <Table.Td>
                    {x.name}
                    {x.isDental && (
                      <Badge ml="xs" variant="outline" color="blue.8">
                        {t('treatments.dentalShort')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{x.durationMinutes} min</Table.Td>
                  <Table.Td ta="right">{formatMoney(x.cost, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Badge color={x.active ? 'teal.9' : 'gray.7'}>
                      {x.active ? t('treatments.offered') : t('treatments.withdrawn')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="default" onClick={() => setEditing(x)}>
                      {t('common.edit')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing && <TreatmentForm treatment={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}
