/**
 * Why a cross-thread call was refused:
 *
 * - `"owner-thread"`: a blocking call made on the thread that owns the timer; it would block the
 *   very event loop that has to do the work. Use the async method there (`await timer.cancel()`).
 * - `"not-started"`: the timer (or, for a group, every member) has never been started.
 * - `"owner-gone"`: the owner thread exited, was terminated, or was marked gone by
 *   {@link watchOwner}.
 * - `"stale-generation"`: the call named a `generation` and the timer has been restarted since.
 * - `"disconnected"`: this handle was disconnected on this thread (`disconnect()`).
 * - `"uncloneable"`: a value could not be copied to this thread (a function, a symbol, a
 *   promise, … or a last value larger than `maxResultBytes`).
 * - `"unavailable"`: the timer was shared with `{ lastResult: false }`.
 *
 * @example
 * ```ts
 * import type { ThreadControlReason } from "@async-timer/node-threads";
 *
 * const retryable: ThreadControlReason[] = ["stale-generation"];
 * ```
 */
export type ThreadControlReason =
  | "owner-thread"
  | "not-started"
  | "owner-gone"
  | "stale-generation"
  | "disconnected"
  | "uncloneable"
  | "unavailable";

/**
 * A cross-thread call that cannot be made; `reason` says why (see {@link ThreadControlReason}).
 * Recognise it by `name === "ThreadControlError"` as well as `instanceof`: the error may come
 * from another installed copy of this package.
 *
 * A blocking call that runs out of time throws core's `TimerTimeoutError` instead, and errors
 * of the operation itself (`TimerStateError` from triggering a stopped timer, the target's own
 * error) arrive as they were thrown on the owner thread.
 *
 * @example
 * ```ts
 * import { openTimer, ThreadControlError } from "@async-timer/node-threads";
 *
 * const remote = openTimer(handle);
 * try {
 *   remote.cancelSync({ timeout: 5 });
 * } catch (error) {
 *   // The owner thread is gone: its timer stopped with it.
 *   if (!(error instanceof ThreadControlError) || error.reason !== "owner-gone") throw error;
 * }
 * ```
 */
export class ThreadControlError extends Error {
  /** Always `"ThreadControlError"`, as shown in stack traces and logs. */
  override readonly name = "ThreadControlError";
  /** Why the call was refused. */
  readonly reason: ThreadControlReason;

  constructor(reason: ThreadControlReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}
