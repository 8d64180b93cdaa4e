import { type DragEvent, type ReactNode, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Appointment } from '../api/types';
import { clock, formatTime, zonedInstant, zonedParts } from '../format';
import classes from './Calendar.module.css';
import { STATUS_CARD } from './status';

/** One column of the grid: a practitioner's day (day view) or a day of the week (week view). */
export interface DayColumn {
  key: string;
  /** The clinic-local date it shows. */
  date: string;
  /** Set: the column holds only this practitioner's appointments, and a card dropped on it moves to them. */
  practitionerId?: string;
  label: string;
  /** Working hours that day, in minutes since local midnight. */
  hours: { start: number; end: number }[];
}

export interface CalendarProps {
  columns: DayColumn[];
  appointments: Appointment[];
  timeZone: string;
  /** What a card says: who and what, under its times. */
  describe: (a: Appointment) => ReactNode;
  onOpen: (a: Appointment) => void;
  /** A card was dropped at another time or in another practitioner's column. */
  onMove: (a: Appointment, column: DayColumn, minutes: number) => void;
  /** A free half-hour within working hours was clicked. */
  onSlot: (column: DayColumn, minutes: number) => void;
}

const PX_PER_MINUTE = 1.2;
/** Drops land on the quarter hour. */
const SNAP = 15;
/** Free cells offered for booking. */
const CELL = 30;
const HOUR_LINES = `repeating-linear-gradient(to bottom, var(--mantine-color-gray-4) 0 1px, transparent 1px ${
  60 * PX_PER_MINUTE
}px)`;

/** Start and end minutes of an appointment within its local day (one that runs past midnight ends at 24:00). */
function span(a: Appointment, timeZone: string) {
  const start = zonedParts(a.start, timeZone);
  const end = zonedParts(a.end, timeZone);
  return { date: start.date, start: start.minutes, end: end.date === start.date ? end.minutes : 24 * 60 };
}

/** Side-by-side lanes for overlapping cards: each card's lane and how many lanes its cluster needs. */
function lanes(items: { id: string; start: number; end: number }[]) {
  const out = new Map<string, { lane: number; of: number }>();
  const sorted = [...items].sort((a, b) => a.start - b.start || b.end - a.end);
  let cluster: { id: string; lane: number }[] = [];
  let laneEnds: number[] = [];
  let clusterEnd = -1;
  const close = () => {
    for (const c of cluster) out.set(c.id, { lane: c.lane, of: laneEnds.length });
    cluster = [];
    laneEnds = [];
  };
  for (const item of sorted) {
    if (item.start >= clusterEnd) close();
    let lane = laneEnds.findIndex((end) => end <= item.start);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = item.end;
    cluster.push({ id: item.id, lane });
    clusterEnd = Math.max(clusterEnd, item.end);
  }
  close();
  return out;
}

/**
 * A day or week diary drawn as a CSS grid: times down the side, a column per practitioner or
 * day, working hours unshaded, appointments placed by their time in the clinic's time zone.
 * Cards are dragged (HTML drag and drop) to another time or column; free half-hours are buttons.
 */
export function Calendar({ columns, appointments, timeZone, describe, onOpen, onMove, onSlot }: CalendarProps) {
  const { t } = useTranslation();
  const drag = useRef<{ id: string; grab: number } | null>(null);
  const grab = useRef(0);
  const [target, setTarget] = useState<{ column: string; minutes: number; length: number } | null>(null);
  const placed = appointments.map((a) => ({ a, ...span(a, timeZone) }));

  // Show from the earliest work or appointment to the latest, whole hours, 08:00 to 20:00 at least.
  const starts = [8 * 60, ...columns.flatMap((c) => c.hours.map((h) => h.start)), ...placed.map((p) => p.start)];
  const ends = [20 * 60, ...columns.flatMap((c) => c.hours.map((h) => h.end)), ...placed.map((p) => p.end)];
  const first = Math.floor(Math.min(...starts) / 60) * 60;
  const last = Math.ceil(Math.max(...ends) / 60) * 60;
  const y = (minutes: number) => (minutes - first) * PX_PER_MINUTE;
  const height = y(last);
  const now = Date.now();

  const dropMinutes = (e: DragEvent<HTMLElement>, length: number) => {
    const top = e.clientY - e.currentTarget.getBoundingClientRect().top - (drag.current?.grab ?? 0);
    const minutes = first + Math.round(top / PX_PER_MINUTE / SNAP) * SNAP;
    return Math.min(Math.max(minutes, first), last - length);
  };
  const dragged = () => placed.find((p) => p.a.id === drag.current?.id);

  return (
    <div
      className={classes.grid}
      style={{ gridTemplateColumns: `3.2rem repeat(${columns.length}, minmax(8.5rem, 1fr))` }}
      data-testid="calendar"
      data-first-minute={first}
      data-px-per-minute={PX_PER_MINUTE}
    >
      <div />
      {columns.map((c) => (
        <div key={c.key} className={classes.head}>
          {c.label}
        </div>
      ))}
      <div className={classes.axis} style={{ height }} aria-hidden>
        {Array.from({ length: (last - first) / 60 - 1 }, (_, i) => first + (i + 1) * 60).map((m) => (
          <span key={m} className={classes.hour} style={{ top: y(m) }}>
            {clock(m)}
          </span>
        ))}
      </div>
      {columns.map((column) => {
        const mine = placed.filter(
          (p) => p.date === column.date && (!column.practitionerId || p.a.practitionerId === column.practitionerId),
        );
        const layout = lanes(mine.map((p) => ({ id: p.a.id, start: p.start, end: p.end })));
        const cells = column.hours.flatMap((h) =>
          Array.from({ length: Math.floor((h.end - h.start) / CELL) }, (_, i) => h.start + i * CELL).filter(
            (m) => Date.parse(zonedInstant(column.date, m, timeZone)) > now,
          ),
        );
        return (
          // biome-ignore lint/a11y/noStaticElementInteractions: dropping is the mouse's shortcut; the details dialog moves an appointment by keyboard or on a phone
          <div
            key={column.key}
            className={classes.column}
            style={{ height }}
            data-testid="calendar-column"
            data-column={column.key}
            onDragOver={(e) => {
              const p = dragged();
              if (!p) return;
              e.preventDefault();
              const length = p.end - p.start;
              setTarget({ column: column.key, minutes: dropMinutes(e, length), length });
            }}
            onDragLeave={() => setTarget(null)}
            onDrop={(e) => {
              e.preventDefault();
              const p = dragged();
              const minutes = p && dropMinutes(e, p.end - p.start);
              setTarget(null);
              drag.current = null;
              if (!p || minutes === undefined) return;
              const samePlace =
                p.date === column.date &&
                p.start === minutes &&
                (!column.practitionerId || column.practitionerId === p.a.practitionerId);
              if (!samePlace) onMove(p.a, column, minutes);
            }}
          >
            {column.hours.map((h) => (
              <div
                key={h.start}
                className={classes.working}
                style={{ top: y(h.start), height: y(h.end) - y(h.start) }}
              />
            ))}
            <div className={classes.lines} style={{ backgroundImage: HOUR_LINES }} />
            {cells.map((m) => (
              <button
                key={m}
                type="button"
                tabIndex={-1}
                className={classes.slot}
                style={{ top: y(m), height: CELL * PX_PER_MINUTE, background: 'transparent', border: 0 }}
                aria-label={t('calendar.bookAt', { time: clock(m), column: column.label })}
                onClick={() => onSlot(column, m)}
              />
            ))}
            {mine.map((p) => {
              const place = layout.get(p.a.id) ?? { lane: 0, of: 1 };
              const color = STATUS_CARD[p.a.status];
              return (
                <button
                  key={p.a.id}
                  type="button"
                  draggable
                  className={classes.card}
                  data-testid="appointment-card"
                  data-appointment={p.a.id}
                  data-status={p.a.status}
                  style={{
                    top: y(p.start),
                    height: Math.max((p.end - p.start) * PX_PER_MINUTE - 1, 14),
                    left: `calc(${(place.lane * 100) / place.of}% + 2px)`,
                    width: `calc(${100 / place.of}% - 4px)`,
                    background: `var(--mantine-color-${color}-1)`,
                    borderColor: `var(--mantine-color-${color}-7)`,
                  }}
                  onClick={() => onOpen(p.a)}
                  // Where the card was held, from the press: by dragstart the pointer has already moved.
                  onPointerDown={(e) => {
                    grab.current = e.clientY - e.currentTarget.getBoundingClientRect().top;
                  }}
                  onDragStart={(e) => {
                    e.dataTransfer.effectAllowed = 'move';
                    e.dataTransfer.setData('text/plain', p.a.number);
                    drag.current = { id: p.a.id, grab: grab.current };
                  }}
                  onDragEnd={() => {
                    drag.current = null;
                    setTarget(null);
                  }}
                >
                  <strong>
                    {formatTime(p.a.start, timeZone)}–{formatTime(p.a.end, timeZone)}
                  </strong>{' '}
                  {describe(p.a)}
                </button>
              );
            })}
            {target?.column === column.key && (
              <div
                className={classes.drop}
                style={{ top: y(target.minutes), height: target.length * PX_PER_MINUTE }}
                data-testid="drop-target"
              />
            )}
          </div>
        );
      })}
    </div>
  );
}
