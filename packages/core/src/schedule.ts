/**
 * The arithmetic of the two schedules, kept apart from the transition table so each rule can be
 * read (and tested) on its own. Pure: times are milliseconds on the monotonic clock, handed in.
 *
 * ```text
 * fixed_delay   |tick|--- delay ---|tick|--- delay ---|tick|
 *                    ^ sleep starts when the tick ends
 *
 * fixed_rate    |tick|        |tick|        |tick~~~~~~~~~~~~~~|  |tick|
 *               0             1             2        3 (skipped)  4
 *               slot k = anchor + k·period; a tick that runs past later slots skips them
 * ```
 *
 * @module
 */

/**
 * Which of the two schedules a timer follows: `"fixed_delay"` sleeps the delay after each tick
 * ends; `"fixed_rate"` ticks on a grid anchored at the first tick and skips missed slots.
 *
 * @example
 * ```ts
 * const mode: Mode = "fixed_rate";
 * new Timer(1, sample, { mode });
 * ```
 */
export type Mode = "fixed_delay" | "fixed_rate";

/**
 * The factor a jittered sleep is multiplied by: uniform in `[1 − jitter, 1 + jitter)` for a
 * `sample` uniform in `[0, 1)`. With `jitter` in `[0, 1]` it is never negative.
 */
export function jitterFactor(jitter: number, sample: number): number {
  return 1 - jitter + 2 * jitter * sample;
}

/** Where the next fixed-rate tick goes after a tick that finished at `now`. */
export interface NextSlot {
  /** Index of the next slot on the grid. */
  readonly slot: number;
  /** Slots passed over because the tick finished after them. */
  readonly skipped: number;
  /** When to wake for it (jitter applied), never before `now`. */
  readonly wakeAt: number;
}

/**
 * The first slot after `slot` that is at or after `now` (a slot falling exactly on the finish
 * time fires; it is not missed), and the jittered wake for it.
 *
 * Jitter perturbs the time left to that slot, capped at `period`: the wake is
 * `slotTime + (factor − 1) · min(slotTime − now, period)`. When the tick ended within one period
 * of the slot this is exactly `now + left · factor`. Each tick is displaced from *its own slot*
 * by at most `jitter · period`, whatever happened before, so displacements never add up (no
 * drift), a jittered wake never reaches the following slot (jitter alone never skips), and the
 * sleep is never negative.
 */
export function nextSlot(
  anchor: number,
  period: number,
  slot: number,
  now: number,
  jitter: number,
  sample: number,
): NextSlot {
  if (period <= 0) return { slot: slot + 1, skipped: 0, wakeAt: now };
  // How far past the following slot the tick ended, in periods (≤ 0 when it ended in time).
  const late = (now - (anchor + (slot + 1) * period)) / period;
  // A tick lasting exactly a period should end on a slot, but `slot + period` and
  // `anchor + k·period` can differ by an ulp (1/60 s, 1/3 s), and such errors add up tick after
  // tick when each tick is timed from its actual start: a finish within a microsecond of a slot
  // (more for huge clock readings) is on it, so the slot fires and nothing is counted as skipped.
  const slack = Math.max(1e-3, 8 * Number.EPSILON * Math.abs(now)) / period;
  const next = slot + 1 + Math.max(0, Math.ceil(late - slack));
  const slotTime = anchor + next * period;
  const perturbed = Math.min(slotTime - now, period);
  return {
    slot: next,
    skipped: next - slot - 1,
    wakeAt: slotTime + (jitterFactor(jitter, sample) - 1) * perturbed,
  };
}

/** When a fixed-delay sleep that starts at `now` ends. */
export function nextDelay(delay: number, now: number, jitter: number, sample: number): number {
  return now + delay * jitterFactor(jitter, sample);
}
