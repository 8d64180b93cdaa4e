/** A half-open span of time [start, end), in epoch milliseconds. */
export interface Span {
  start: number;
  end: number;
}

export interface SlotRequest {
  /** The practitioner's working intervals on the day, already turned into instants. */
  working: Span[];
  /** Time that is taken: live bookings and exceptions (any order, may overlap). */
  busy: Span[];
  slotMinutes: number;
  /** Slots starting before this instant are in the past and left out. */
  now: number;
}

/**
 * Free slots: each working interval cut into slots of `slotMinutes` from its start, keeping
 * those that fit inside it, start no earlier than `now` and touch no busy span. The grid
 * stays anchored to the interval's start, so the offered times are the same whatever is booked.
 */
export function freeSlots({ working, busy, slotMinutes, now }: SlotRequest): Span[] {
  const step = slotMinutes * 60_000;
  const taken = [...busy].sort((a, b) => a.start - b.start);
  const slots: Span[] = [];
  for (const interval of [...working].sort((a, b) => a.start - b.start)) {
    // Busy spans are sorted by start; `first` skips those that ended before this slot.
    let first = 0;
    for (let start = interval.start; start + step <= interval.end; start += step) {
      const end = start + step;
      if (start < now) continue;
      while (first < taken.length && (taken[first] as Span).end <= start) first++;
      let clash = false;
      for (let i = first; i < taken.length && (taken[i] as Span).start < end; i++) {
        if ((taken[i] as Span).end > start) {
          clash = true;
          break;
        }
      }
      if (!clash) slots.push({ start, end });
    }
  }
  return slots;
}
