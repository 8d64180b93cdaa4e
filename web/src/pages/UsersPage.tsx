import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import type { Role } from '../api/session';
import type { User } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { notify } from '../notify';

export const ROLES: Role[] = ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'];

function CreateUser({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/users', {
          body: { email, roles: roles as Role[], ...(password ? { password } : {}) },
        }),
      ),
    onSuccess: async (user) => {
      notify(t('users.created', { email: user.email }));
      await queryClient.invalidateQueries({ queryKey: ['users'] });
      onDone();
    },
    onError: (err) => {
      if (err instanceof ApiError) {
        setErrors(err.fieldErrors());
        setError(err.message);
      } else setError(t('errors.network'));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setError(null);
    create.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <TextInput
          label={t('users.email')}
          type="email"
          required
          value={email}
          error={errors.email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
        <MultiSelect
          label={t('users.roles')}
          required
          value={roles}
          error={errors.roles}
          onChange={setRoles}
          data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
        />
        <PasswordInput
          label={t('users.password')}
          description={t('users.passwordHelp')}
          value={password}
          error={errors.password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <Button type="submit" loading={create.isPending}>
          {t('users.create')}
        </Button>
      </Stack>
    </form>
  );
}

function UserActions({ user }: { user: User }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const done = async (message: string) => {
    notify(message);
    await queryClient.invalidateQueries({ queryKey: ['users'] });
  };
  const fail = (err: Error) => notify(err.message, 'red');
  const toggle = useMutation({
    mutationFn: () =>
      unwrap(api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { active: !user.active } })),
    onSuccess: (u) =>
      done(u.active ? t('users.reactivated', { email: u.email }) : t('users.deactivated', { email: u.email })),
    onError: fail,
  });
  const resetMfa = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/users/{id}/mfa/reset', { params: { path: { id: user.id } } })),
    onSuccess: (u) => done(t('users.mfaResetDone', { email: u.email })),
    onError: fail,
  });
  return (
    <Group gap="xs" wrap="nowrap">
      <Button
        size="xs"
        variant="default"
        color={user.active ? 'red.9' : 'teal.9'}
        loading={toggle.isPending}
        onClick={() => {
          if (!user.active || window.confirm(t('users.confirmDeactivate', { email: user.email }))) toggle.mutate();
        }}
      >
        {user.active ? t('users.deactivate') : t('users.reactivate')}
      </Button>
      {user.mfaEnabled && (
        <Button
          size="xs"
          variant="default"
          loading={resetMfa.isPending}
          onClick={() => {
            if (window.confirm(t('users.confirmMfaReset', { email: user.email }))) resetMfa.mutate();
          }}
        >
          {t('users.mfaReset')}
        </Button>
      )}
    </Group>
  );
}

export function UsersPage() {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure();
  const [q, setQ] = useState('');
  const [query] = useDebouncedValue(q.trim(), 250);
  const list = useInfiniteQuery({
    queryKey: ['users', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/users', {
          params: { query: { ...(query ? { q: query } : {}), ...(pageParam ? { cursor: pageParam } : {}), limit: 50 } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const users = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('users.title')}</Title>
        <Button onClick={open}>{t('users.new')}</Button>
      </Group>
      <Modal opened={opened} onClose={close} title={t('users.new')}>
        <CreateUser onDone={close} />
      </Modal>
      <TextInput label={t('users.search')} value={q} onChange={(e) => setQ(e.currentTarget.value)} />
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      <Table.ScrollContainer minWidth={340}>
        <Table data-testid="user-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('users.email')}</Table.Th>
              <Table.Th>{t('users.roles')}</Table.Th>
              <Table.Th visibleFrom="sm">{t('users.status')}</Table.Th>
              <Table.Th>{t('users.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>
                  <Text size="sm">{u.email}</Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {u.roles.map((r) => (
                      <Badge key={r} variant="light">
                        {t(`roles.${r}`)}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td visibleFrom="sm">
                  <Group gap={4}>
                    <Badge color={u.active ? 'teal.9' : 'gray.7'}>
                      {u.active ? t('users.active') : t('users.inactive')}
                    </Badge>
                    {u.mfaEnabled && <Badge color="blue.8">{t('users.mfa')}</Badge>}
                    {u.lockedUntil && <Badge color="red.9">{t('users.locked')}</Badge>}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <UserActions user={u} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <LoadMore list={list} />
    </Stack>
  );
}
