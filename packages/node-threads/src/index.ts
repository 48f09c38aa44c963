/**
 * `@async-timer/node-threads`: read and control an `@async-timer/core` timer from other
 * `worker_threads` — the Node analogue of the Python original's thread-safe reads and its
 * `cancel_threadsafe`, `trigger_threadsafe` and `close_threadsafe`.
 *
 * A timer lives on its owner thread. The owner makes a handle with {@link shareTimer} (or
 * {@link shareSubscription}, {@link shareGroup}) and posts it; the other thread opens it with
 * {@link openTimer} and gets lock-free reads from shared memory and blocking control calls
 * with timeouts.
 *
 * @example
 * ```ts
 * // owner thread
 * import { shareTimer } from "@async-timer/node-threads";
 * const handle = shareTimer(timer);
 * worker.postMessage({ handle }, handle.transfer);
 *
 * // the worker
 * import { openTimer } from "@async-timer/node-threads";
 * const remote = openTimer(data.handle);
 * console.log(remote.hitCount, remote.lastResult());
 * remote.cancelSync({ timeout: 5 });
 * ```
 *
 * @packageDocumentation
 */
export { ThreadControlError, type ThreadControlReason } from "./errors.js";
export type {
  AnyHandle,
  GroupHandle,
  HandleBase,
  SubscriptionHandle,
  TimerHandle,
} from "./handles.js";
export type { ControlOptions, TimerControlOptions } from "./options.js";
export { openGroup, RemoteGroup } from "./remote-group.js";
export {
  openSubscription,
  RemoteSubscription,
  type SubscriptionSnapshot,
} from "./remote-subscription.js";
export { openTimer, RemoteTimer, type TimerSnapshot } from "./remote-timer.js";
export { type ShareGroupOptions, shareGroup } from "./share-group.js";
export { shareSubscription } from "./share-subscription.js";
export { type ShareTimerOptions, shareTimer } from "./share-timer.js";
export { watchOwner } from "./watch-owner.js";
