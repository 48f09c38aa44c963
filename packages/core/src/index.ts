/**
 * `@async-timer/core`: run something repeatedly on an interval — cache refresh, polling,
 * metrics emission, background upkeep — with the semantics of Python's async-timer 1.2.0.
 *
 * @example
 * ```ts
 * import { Timer } from "@async-timer/core";
 *
 * await using timer = new Timer(5, refreshCache, { name: "cache" }).start();
 * await timer.wait({ hitCount: 1 });
 * ```
 *
 * @packageDocumentation
 */
export type { CancelOptions, WaitOptions } from "./call-options.js";
export { armDeadline, type Driver, type WakeHandle } from "./driver.js";
export type { Duration, DurationUnit } from "./duration.js";
export { toMilliseconds } from "./duration.js";
export { TimerCancelledError, TimerStateError, TimerTimeoutError } from "./errors.js";
export { type EveryTimer, every } from "./every.js";
export type { ClaimRequest, Fence, Gate, GateAnswer, GateRun } from "./gate.js";
export { type GroupOptions, type MemberValue, TimerGroup } from "./group.js";
export { consoleLogger, type Logger, type LogLevel } from "./logger.js";
export type { TimerOptions } from "./options.js";
export { realDriver } from "./real-driver.js";
export type { Mode } from "./schedule.js";
export { type SubscribeOptions, Subscription } from "./subscription.js";
export type { Target, TargetFunction, TickContext, TickValue } from "./target.js";
export { Timer, type TimerObserver, type TimerState } from "./timer.js";
