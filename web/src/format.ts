/**
 * A calendar date (`YYYY-MM-DD`) in the reader's language: "12 abr 1990" / "Apr 12, 1990".
 * Read in UTC, so the day never shifts with the browser's time zone.
 */
export function formatDate(isoDate: string, language: string): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** An instant in the reader's language and time zone. */
export function formatInstant(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

// The clinic's diary: dates and times are local to its time zone (CLINIC_TIMEZONE, from
// GET /api/v1/info), whatever the zone of the browser reading them.

const zoned = new Map<string, Intl.DateTimeFormat>();
function zonedFormat(timeZone: string) {
  let f = zoned.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoned.set(timeZone, f);
  }
  return f;
}

/** The local date (`YYYY-MM-DD`) and minutes since local midnight of an instant in a time zone. */
export function zonedParts(instant: string | number | Date, timeZone: string): { date: string; minutes: number } {
  const parts = Object.fromEntries(
    zonedFormat(timeZone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(ms: number, timeZone: string): number {
  const { date, minutes } = zonedParts(ms, timeZone);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  // Offsets are whole minutes: compare at the minute.
  return Date.UTC(y, m - 1, d, 0, minutes) - (ms - (ms % 60_000));
}

/**
 * The instant (ISO, UTC) of a local date and time (minutes since midnight; 1440 is the next
 * midnight) in a time zone, daylight saving time included: the offset is read at the first
 * guess and again at the result, which settles it on either side of a change.
 */
export function zonedInstant(date: string, minutes: number, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  const first = wall - offsetAt(wall, timeZone);
  return new Date(wall - offsetAt(first, timeZone)).toISOString();
}

/** The local date `days` after a date (negative: before). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** ISO day of the week of a date: 1 Monday ... 7 Sunday. */
export function isoWeekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
}

/** The Monday of the week of a date. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

/** `HH:MM` of minutes since midnight. */
export function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Minutes since midnight of `HH:MM`. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The local time of an instant in the clinic's zone: "09:30". */
export function formatTime(iso: string, timeZone: string): string {
  return clock(zonedParts(iso, timeZone).minutes);
}

/** An instant as the clinic's local date and time, in the reader's language: "4 may 2026, 9:30". */
export function formatClinicInstant(iso: string, language: string, timeZone: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** A diary day with its weekday: "lunes, 4 de mayo" / "Monday, May 4". */
export function formatDay(date: string, language: string, style: 'long' | 'short' = 'long'): string {
  const options: Intl.DateTimeFormatOptions =
    style === 'long'
      ? { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }
      : { weekday: 'short', day: 'numeric', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(language, options).format(new Date(`${date}T00:00:00Z`));
}

/** The name of an ISO weekday (1 Monday ... 7 Sunday) in the reader's language. */
export function weekdayName(day: number, language: string): string {
  // 2024-01-01 was a Monday.
  return new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2024, 0, day)),
  );
}

/** An exact decimal amount ("1234.5") in the reader's language ("1234,50"), never through a float. */
export function formatMoney(amount: string, language: string): string {
  // Given a string, Intl formats the decimal exactly as written.
  return new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    amount as Intl.StringNumericLiteral,
  );
}
