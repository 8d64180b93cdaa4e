import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { hasRole, useSession } from '../auth/useSession';
import type { Incident } from './types';

const UNASSIGNED = 'none';

/** The active agents an incident can be assigned to. */
function useAgents() {
  return useQuery({
    queryKey: ['incidents', 'agents'],
    queryFn: async () => (await unwrap(api.GET('/api/v1/incidents/agents'))).items,
  });
}

export function AssigneeSelect({
  incident,
  disabled,
  onChange,
}: {
  incident: Incident;
  disabled: boolean;
  onChange: (assigneeId: string | null) => void;
}) {
  const { t } = useTranslation();
  const session = useSession();
  const me = session?.user;
  const agents = useAgents();
  const options = new Map<string, string>();
  options.set(UNASSIGNED, t('helpdesk.unassigned'));
  if (me && hasRole(me.roles, ['agent'])) options.set(me.id, t('helpdesk.me', { email: me.email }));
  for (const a of agents.data ?? []) if (!options.has(a.id)) options.set(a.id, a.name);
  if (incident.assignee && !options.has(incident.assignee.id))
    options.set(incident.assignee.id, incident.assignee.name);
  return (
    <Select
      label={t('helpdesk.assignee')}
      allowDeselect={false}
      disabled={disabled}
      data={[...options].map(([value, label]) => ({ value, label }))}
      value={incident.assignee?.id ?? UNASSIGNED}
      onChange={(v) => {
        const next = !v || v === UNASSIGNED ? null : v;
        if (next !== (incident.assignee?.id ?? null)) onChange(next);
      }}
    />
  );
}
