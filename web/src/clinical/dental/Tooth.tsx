import { VisuallyHidden } from '@mantine/core';
import type { MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CurrentEntry, Surface } from '../../api/types';
import classes from './Odontogram.module.css';
import { isMissing, isUpper, MARK_FILL, markOf, SHAPES, SURFACES, sideOf, surfaceEntries } from './teeth';
import { useEntryLabel, useSurfaceLabels } from './words';

/** "Caries: oclusal; Empaste: distal": what the chart shows on a tooth, for a screen reader. */
function useToothState() {
  const label = useEntryLabel();
  const surfaces = useSurfaceLabels();
  return (entries: CurrentEntry[]) =>
    entries.map((e) => `${label(e)}: ${e.currentFor.map((k) => surfaces[k]).join(', ')}`).join('; ');
}

/**
 * One tooth: a button (its number as its name) drawn as five surfaces coloured by their latest
 * entry. A click on a surface says which one, so the chart can choose it for the next entry.
 */
export function Tooth({
  tooth,
  entries,
  selected,
  chosen,
  onClick,
}: {
  tooth: number;
  entries: CurrentEntry[];
  selected: boolean;
  /** The surfaces chosen for the next entry on this tooth. */
  chosen: Surface[];
  onClick: (tooth: number, surface: Surface | null) => void;
}) {
  const { t } = useTranslation();
  const state = useToothState();
  const bySurface = surfaceEntries(entries);
  const descriptionId = `tooth-${tooth}-state`;
  const click = (e: MouseEvent) => {
    const surface = (e.target as Element).closest('[data-surface]')?.getAttribute('data-surface');
    onClick(tooth, (surface as Surface | null | undefined) ?? null);
  };
  const number = <span>{tooth}</span>;
  return (
    <button
      type="button"
      className={classes.tooth}
      aria-label={t('dental.tooth', { tooth })}
      aria-pressed={selected}
      aria-describedby={entries.length > 0 ? descriptionId : undefined}
      data-tooth={tooth}
      onClick={click}
    >
      {isUpper(tooth) && number}
      <svg viewBox="0 0 40 40" aria-hidden="true" focusable="false">
        {SURFACES.map((s) => {
          const entry = bySurface[s];
          const mark = entry ? markOf(entry) : 'none';
          return (
            <polygon
              key={s}
              points={SHAPES[sideOf(tooth, s)]}
              fill={MARK_FILL[mark]}
              data-surface={s}
              data-mark={mark}
              data-chosen={selected && chosen.includes(s)}
            />
          );
        })}
        {isMissing(entries) && <path d="M4 4 L36 36 M36 4 L4 36" stroke="var(--mantine-color-black)" strokeWidth="3" />}
      </svg>
      {!isUpper(tooth) && number}
      {entries.length > 0 && <VisuallyHidden id={descriptionId}>{state(entries)}</VisuallyHidden>}
    </button>
  );
}
