import { Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DentalChart, Surface } from '../../api/types';
import classes from './Odontogram.module.css';
import { Tooth } from './Tooth';
import { type Dentition, LAYOUT, MARK_FILL, MARKS } from './teeth';

export interface Selection {
  tooth: number;
  /** The surfaces chosen for the next entry (none: the whole tooth). */
  surfaces: Surface[];
}

/** What each colour means. */
function Legend() {
  const { t } = useTranslation();
  return (
    <Group gap="md" data-testid="dental-legend">
      {MARKS.map((m) => (
        <Group key={m} gap={4} wrap="nowrap">
          <span className={classes.swatch} style={{ background: MARK_FILL[m] }} />
          <Text size="xs">{t(`dentalMark.${m}`)}</Text>
        </Group>
      ))}
    </Group>
  );
}

/**
 * The dental chart drawn as a dentist reads it, permanent or primary teeth. Choosing a tooth
 * selects it; clicking one of its surfaces adds or removes that surface from the selection.
 */
export function Odontogram({
  chart,
  selection,
  onSelect,
}: {
  chart: DentalChart;
  selection: Selection | null;
  onSelect: (selection: Selection) => void;
}) {
  const { t } = useTranslation();
  // Start on primary teeth for a child whose chart has only those.
  const [dentition, setDentition] = useState<Dentition>(
    chart.teeth.length > 0 && chart.teeth.every((x) => x.tooth > 50) ? 'primary' : 'permanent',
  );
  const entriesOf = (tooth: number) => chart.teeth.find((x) => x.tooth === tooth)?.entries ?? [];
  const click = (tooth: number, surface: Surface | null) => {
    if (selection?.tooth !== tooth) return onSelect({ tooth, surfaces: surface ? [surface] : [] });
    if (!surface) return;
    const surfaces = selection.surfaces.includes(surface)
      ? selection.surfaces.filter((s) => s !== surface)
      : [...selection.surfaces, surface];
    onSelect({ tooth, surfaces });
  };
  const layout = LAYOUT[dentition];
  return (
    <Stack gap="xs">
      <SegmentedControl
        aria-label={t('dental.dentition')}
        value={dentition}
        onChange={(v) => setDentition(v as Dentition)}
        data={[
          { value: 'permanent', label: t('dental.permanent') },
          { value: 'primary', label: t('dental.primary') },
        ]}
        style={{ alignSelf: 'flex-start' }}
      />
      <div className={classes.chart} data-testid="odontogram">
        {(['upper', 'lower'] as const).map((row) => (
          <div key={row} className={classes.row}>
            {layout[row].map((half, side) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the two halves of a row never move.
              <div key={side} className={classes.half}>
                {half.map((tooth) => (
                  <Tooth
                    key={tooth}
                    tooth={tooth}
                    entries={entriesOf(tooth)}
                    selected={selection?.tooth === tooth}
                    chosen={selection?.tooth === tooth ? selection.surfaces : []}
                    onClick={click}
                  />
                ))}
              </div>
            ))}
          </div>
        ))}
      </div>
      <Legend />
    </Stack>
  );
}
