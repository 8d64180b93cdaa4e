import { archiveSequence, archiveTime } from './manifest.js';

export interface RetentionPolicy {
  /** Keep the newest archive of each of the last this-many days that have one. */
  daily: number;
  /** Keep the newest archive of each of the last this-many ISO weeks that have one. */
  weekly: number;
  /** Days and weeks are the clinic's (CLINIC_TIMEZONE). */
  timeZone: string;
}

/**
 * Which archives to delete after a successful backup. Days and weeks without an archive do
 * not count (as in restic's --keep-daily): if backups stopped for a month, the last good
 * ones are kept rather than aged out. The newest archive is always kept. Files that are not
 * archives by their name are never touched.
 */
export function archivesToDelete(names: string[], policy: RetentionPolicy): string[] {
  const archives = names
    .map((name) => ({ name, at: archiveTime(name) }))
    .filter((a): a is { name: string; at: Date } => a.at !== null)
    .sort((a, b) => b.at.getTime() - a.at.getTime() || archiveSequence(b.name) - archiveSequence(a.name));
  const keep = new Set<string>();
  if (archives[0]) keep.add(archives[0].name);
  const days = new Set<string>();
  const weeks = new Set<string>();
  for (const a of archives) {
    const { day, week } = calendarOf(a.at, policy.timeZone);
    if (!days.has(day) && days.size < policy.daily) {
      days.add(day);
      keep.add(a.name);
    }
    if (!weeks.has(week) && weeks.size < policy.weekly) {
      weeks.add(week);
      keep.add(a.name);
    }
  }
  return archives.filter((a) => !keep.has(a.name)).map((a) => a.name);
}

/** The local calendar day (YYYY-MM-DD) and ISO week (YYYY-Www) of an instant in a time zone. */
export function calendarOf(at: Date, timeZone: string): { day: string; week: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => {
      acc[p.type] = p.value;
      return acc;
    }, {});
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  // ISO 8601: the week belongs to the year of its Thursday.
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = (date.getUTCDay() + 6) % 7;
  const thursday = new Date(date.getTime() + (3 - weekday) * 86_400_000);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / (7 * 86_400_000)) + 1;
  return { day, week: `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}` };
}
