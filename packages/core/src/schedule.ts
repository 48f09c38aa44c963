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

/**
 * The index of the first fixed-rate slot after `slot` that is at or after `now` (a slot falling
 * exactly on the finish time fires; it is not missed). Slot `k` is at `anchor + k·period`;
 * `period` is positive.
 */
export function nextSlot(anchor: number, period: number, slot: number, now: number): number {
  // How far past the following slot the tick ended, in periods (≤ 0 when it ended in time).
  const late = (now - (anchor + (slot + 1) * period)) / period;
  // A tick lasting exactly a period should end on a slot, but `slot + period` and
  // `anchor + k·period` can differ by an ulp (1/60 s, 1/3 s), and such errors add up tick after
  // tick when each tick is timed from its actual start: a finish within a microsecond of a slot
  // (more for huge clock readings) is on it, so the slot fires and nothing is counted as skipped.
  const slack = Math.max(1e-3, 8 * Number.EPSILON * Math.abs(now)) / period;
  return slot + 1 + Math.max(0, Math.ceil(late - slack));
}

/**
 * When to wake for a slot at `slotAt`, from a tick that finished at `now`, jittered by `factor`
 * ({@link jitterFactor}). Jitter perturbs the time left to the slot, capped at `period`:
 * `slotAt + (factor − 1) · min(slotAt − now, period)`. Each tick is displaced from *its own slot*
 * by at most `jitter · period`, whatever happened before, so displacements never add up (no
 * drift), a jittered wake never reaches the following slot (jitter alone never skips), and the
 * sleep is never negative.
 */
export function slotWake(slotAt: number, now: number, period: number, factor: number): number {
  return slotAt + (factor - 1) * Math.min(slotAt - now, period);
}
