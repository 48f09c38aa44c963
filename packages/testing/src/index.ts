/**
 * `@async-timer/testing`: test timers fast and deterministically.
 *
 * @packageDocumentation
 */
export {
  fakeTimersHarness,
  runUntil,
  type SinonClockLike,
  sleepOn,
  type TimeHarness,
  type ViLike,
  virtualClockHarness,
  vitestFakeTimersHarness,
} from "./harness.js";
export { MockTimer, type MockTimerOptions, type SleepMock } from "./mock-timer.js";
export { seededRandom } from "./seeded-random.js";
export { type RunOptions, VirtualClock, type VirtualClockOptions } from "./virtual-clock.js";
