/**
 * The real driver under @sinonjs/fake-timers and under vi.useFakeTimers() behaves exactly as
 * the virtual clock: the same scenario gives the same trace, to the millisecond.
 */
import { Timer } from "@async-timer/core";
import { describe, expect, it, vi } from "vitest";
import {
  fakeTimersHarness,
  type TimeHarness,
  virtualClockHarness,
  vitestFakeTimersHarness,
} from "../src/index.js";
import { installSinon } from "./sinon-clock.js";

type Trace = string[];

async function scenario(harness: TimeHarness, mode: "fixed_delay" | "fixed_rate"): Promise<Trace> {
  const trace: Trace = [];
  const at = () => Math.round(harness.now());
  const durations = [300, 300, 2600, 300, 300, 300, 300, 300, 300, 300, 300, 300];
  let n = 0;
  const timer = new Timer(
    1,
    async ({ signal, hitCount }) => {
      const mine = ++n;
      trace.push(`${at()} start #${mine} hits=${hitCount}`);
      await harness.sleep(durations[mine - 1] ?? 300, signal);
      if (mine === 7) throw new Error("seventh fails");
      trace.push(`${at()} end #${mine}`);
      return mine;
    },
    {
      driver: harness.driver,
      mode,
      initialDelay: 0.5,
      onError: () => "continue",
      logger: { warn: (line: string) => trace.push(`${at()} warn ${line}`) },
    },
  );
  timer.start();
  const feed = timer.subscribe();
  const fed = (async () => {
    for await (const value of feed) trace.push(`${at()} fed ${value}`);
    trace.push(`${at()} feed ended`);
  })();
  await harness.advance(6200);
  const triggered = timer.trigger().then(
    (value) => trace.push(`${at()} trigger → ${value}`),
    (error: Error) => trace.push(`${at()} trigger ✗ ${error.message}`),
  );
  await harness.advance(1800);
  timer.setDelay("1.5s");
  await harness.advance(6000);
  const cancelled = timer.cancel().then(() => trace.push(`${at()} cancelled`));
  await harness.advance(1000);
  await Promise.all([triggered, cancelled, fed]);
  trace.push(`pending=${harness.pending()} hits=${timer.hitCount} running=${timer.isRunning()}`);
  return trace;
}

async function run(makeHarness: () => TimeHarness, mode: "fixed_delay" | "fixed_rate") {
  const harness = makeHarness();
  try {
    return await scenario(harness, mode);
  } finally {
    harness.dispose();
  }
}

describe.each(["fixed_delay", "fixed_rate"] as const)("%s", (mode) => {
  it("gives the same trace on the virtual clock, under sinon and under vitest fake timers", async () => {
    const virtual = await run(() => virtualClockHarness(), mode);
    const sinon = await run(() => fakeTimersHarness(installSinon()), mode);
    const vitest = await run(() => vitestFakeTimersHarness(vi), mode);
    expect(virtual.length).toBeGreaterThan(20);
    expect(virtual.at(-1)).toMatch(/^pending=0 hits=\d+ running=false$/);
    expect(sinon).toEqual(virtual);
    expect(vitest).toEqual(virtual);
  });
});

it("the scenario exercises what it claims: skips, a trigger, an error and a cancel", async () => {
  const trace = await run(() => virtualClockHarness(), "fixed_rate");
  expect(trace.some((line) => line.includes("fixed_rate: skipped"))).toBe(true);
  expect(trace.some((line) => line.includes("trigger →"))).toBe(true);
  expect(trace.some((line) => line.includes("start #7"))).toBe(true);
  expect(trace.some((line) => line.includes("fed 7"))).toBe(false);
  expect(trace.some((line) => line.endsWith("cancelled"))).toBe(true);
});

describe("the sinon harness counts timers, not microtask jobs", () => {
  it("a queueMicrotask from elsewhere in the process is not a pending timer", async () => {
    const clock = installSinon();
    const harness = fakeTimersHarness(clock);
    try {
      queueMicrotask(() => {}); // faked: a job on the clock, as a test runner's own may be
      expect(clock.countTimers()).toBe(1);
      expect(harness.pending()).toBe(0);
      setTimeout(() => {}, 10);
      expect(harness.pending()).toBe(1);
    } finally {
      harness.dispose();
    }
  });
});
