/**
 * `FakeTimers.install()` for the kit's own tests, with a safety net: a property that outlives
 * its test (vitest's timeout fired, the property ran on) keeps its clock installed, and sinon
 * fakes `process.nextTick` and `queueMicrotask` by default — every later install then throws
 * "Can't install fake timers twice", and the runner's own plumbing stalls (a CI run once hung
 * for 30 minutes). Every clock installed here is uninstalled after each test; uninstalling one
 * its harness already disposed does nothing.
 */
import FakeTimers from "@sinonjs/fake-timers";
import { afterEach } from "vitest";

const installed: { uninstall(): unknown }[] = [];

afterEach(() => {
  for (const clock of installed.splice(0)) clock.uninstall();
});

/** Installs sinon's fake timers on the global object, as `FakeTimers.install()` does. */
export function installSinon(): ReturnType<typeof FakeTimers.install> {
  const clock = FakeTimers.install();
  installed.push(clock);
  return clock;
}
