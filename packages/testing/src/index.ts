/**
 * `@async-timer/testing`: test timers fast and deterministically.
 *
 * @packageDocumentation
 */
export { seededRandom } from "./seeded-random.js";
export { type RunOptions, VirtualClock, type VirtualClockOptions } from "./virtual-clock.js";
