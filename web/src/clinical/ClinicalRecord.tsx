import { Tabs } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { Role } from '../api/session';
import { hasRole, useSession } from '../auth/useSession';
import { ACCESS } from '../nav';
import { DiagnosesPanel } from './DiagnosesPanel';
import { DentalChartPanel } from './dental/DentalChartPanel';
import { EncountersPanel } from './EncountersPanel';
import { NotesPanel } from './NotesPanel';
import { PrescriptionsPanel } from './prescriptions/PrescriptionsPanel';
import { ResultsPanel } from './ResultsPanel';
import { SummaryPanel } from './SummaryPanel';
import { VitalsPanel } from './VitalsPanel';

export interface Panel {
  value: string;
  label: string;
  render: () => ReactNode;
}

/**
 * A patient's clinical record in tabs, as far as the user's roles reach it: the whole record for
 * doctors, the encounters for the admissions desk. `before` tabs (the patient's details) come
 * first, `after` tabs (the document folder) last. The open tab is in the address (`?tab=`), so a
 * reload or a shared link keeps it.
 */
export function ClinicalRecord({
  patientId,
  before = [],
  after = [],
}: {
  patientId: string;
  before?: Panel[];
  after?: Panel[];
}) {
  const { t } = useTranslation();
  const roles = useSession()?.user.roles;
  const [params, setParams] = useSearchParams();
  const record: (Panel & { roles: readonly Role[] })[] = [
    {
      value: 'summary',
      roles: ACCESS.doctor,
      label: t('record.summary'),
      render: () => <SummaryPanel patientId={patientId} />,
    },
    {
      value: 'encounters',
      roles: ACCESS.encounters,
      label: t('record.encounters'),
      render: () => <EncountersPanel patientId={patientId} canWrite />,
    },
    {
      value: 'notes',
      roles: ACCESS.doctor,
      label: t('record.notes'),
      render: () => <NotesPanel patientId={patientId} canWrite />,
    },
    {
      value: 'diagnoses',
      roles: ACCESS.doctor,
      label: t('record.diagnoses'),
      render: () => <DiagnosesPanel patientId={patientId} canWrite />,
    },
    {
      value: 'vitals',
      roles: ACCESS.doctor,
      label: t('record.vitals'),
      render: () => <VitalsPanel patientId={patientId} canWrite />,
    },
    {
      value: 'results',
      roles: ACCESS.doctor,
      label: t('record.results'),
      render: () => <ResultsPanel patientId={patientId} />,
    },
    {
      value: 'dental',
      roles: ACCESS.doctor,
      label: t('record.dental'),
      render: () => <DentalChartPanel patientId={patientId} canWrite />,
    },
    {
      value: 'prescriptions',
      roles: ACCESS.doctor,
      label: t('record.prescriptions'),
      render: () => <PrescriptionsPanel patientId={patientId} canWrite />,
    },
  ];
  const panels = [...before, ...record.filter((p) => hasRole(roles, p.roles)), ...after];
  const tab = panels.find((p) => p.value === params.get('tab'))?.value ?? panels[0]?.value ?? null;
  return (
    <Tabs
      value={tab}
      onChange={(v) =>
        setParams(
          (p) => {
            if (v) p.set('tab', v);
            return p;
          },
          { replace: true },
        )
      }
      keepMounted={false}
    >
      <Tabs.List>
        {panels.map((p) => (
          <Tabs.Tab key={p.value} value={p.value}>
            {p.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {panels.map((p) => (
        <Tabs.Panel key={p.value} value={p.value} pt="md">
          {p.render()}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}
