// The runtime matrix's test: plain JavaScript that needs no Node API, run unchanged on Node 20,
// 22, 24 and 26, Bun, Deno and (bundled) in Chromium against the packed packages. It covers the
// contract a user relies on — schedules, skips, jitter, trigger, delivery, errors, cancellation,
// the real driver — and ends with the line "N passed, M failed".
import { every, Timer, TimerCancelledError, TimerGroup } from "@async-timer/core";
import { DO_SOON, DO_STARTED, Machine, SLEEPING } from "@async-timer/core/machine";
import { MockTimer, VirtualClock } from "@async-timer/testing";

const results = [];
const test = (name, fn) => results.push({ name, fn });
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}
const quiet = { warn() {}, error() {} };
const work = (clock, seconds) =>
  new Promise((done) => clock.setWake(clock.now() + seconds * 1000, done, false));
const realSleep = (ms) => new Promise((done) => setTimeout(done, ms));

test("fixed_delay sleeps the delay after each tick", async () => {
  const clock = new VirtualClock();
  const starts = [];
  const timer = new Timer(
    2,
    async () => {
      starts.push(clock.seconds);
      await work(clock, starts.length === 3 ? 2.6 : 0.4);
    },
    { driver: clock },
  ).start();
  await clock.advance(12);
  equal(starts, [0, 2.4, 4.8, 9.4, 11.8], "tick starts");
  await clock.runUntil(timer.cancel());
});

test("fixed_rate skips the slots a slow tick ran past, and logs it", async () => {
  const clock = new VirtualClock();
  const starts = [];
  const warnings = [];
  const timer = new Timer(
    1,
    async () => {
      starts.push(clock.seconds);
      await work(clock, starts.length === 3 ? 3.4 : 0.3);
    },
    { driver: clock, mode: "fixed_rate", logger: { warn: (line) => warnings.push(line) } },
  ).start();
  await clock.advance(7);
  equal(starts, [0, 1, 2, 6, 7], "tick starts");
  assert(/skipped 3 slots/.test(warnings.join("\n")), `warning: ${warnings}`);
  await clock.runUntil(timer.cancel());
});

test("jitter stays in bounds and replays from a seed", async () => {
  const run = async (seed) => {
    const clock = new VirtualClock({ seed });
    const starts = [];
    const timer = new Timer(10, () => starts.push(clock.seconds), { driver: clock, jitter: 0.5 });
    timer.start();
    await clock.advance(200);
    await timer.cancel();
    return starts;
  };
  const a = await run(7);
  equal(a, await run(7), "same seed, same schedule");
  for (let i = 1; i < a.length; i++) {
    const gap = a[i] - a[i - 1];
    assert(gap >= 5 - 1e-9 && gap <= 15 + 1e-9, `gap ${gap} outside [5, 15]`);
  }
});

test("trigger() resolves with a tick that started after the call", async () => {
  const clock = new VirtualClock();
  let n = 0;
  const timer = new Timer(60, () => ++n, { driver: clock }).start();
  await clock.advance(10);
  const value = await clock.runUntil(timer.trigger());
  equal([value, clock.seconds], [2, 10], "triggered value and time");
  await timer.cancel();
});

test("subscribe({ maxsize }) keeps the newest values and drains after the end", async () => {
  const clock = new VirtualClock();
  let n = 0;
  const timer = new Timer(1, () => ++n, { driver: clock, logger: quiet }).start();
  const feed = timer.subscribe({ maxsize: 3 });
  const latest = timer.subscribe();
  await clock.advance(5.5);
  equal([feed.qsize, feed.droppedCount, latest.qsize], [3, 3, 6], "queues");
  await clock.runUntil(timer.cancel());
  const left = [];
  for await (const value of feed) left.push(value);
  equal(left, [4, 5, 6], "drained values");
  latest.close();
});

test("join() and wait() deliver the latest value", async () => {
  const clock = new VirtualClock();
  let n = 0;
  const timer = new Timer(5, () => ++n, { driver: clock }).start();
  equal(await clock.runUntil(timer.join()), 1, "first join");
  equal(await clock.runUntil(timer.wait({ hitCount: 4 })), 4, "wait for hitCount 4");
  equal([timer.hitCount, timer.lastResult], [4, 4], "counters");
  await timer.cancel();
  let rejected;
  await timer.join().catch((error) => {
    rejected = error;
  });
  assert(rejected instanceof TimerCancelledError, "join() after cancel rejects");
  equal(rejected.name, "TimerCancelledError", "error name");
});

test("errors: onError 'continue' keeps the schedule; the default stops it", async () => {
  const clock = new VirtualClock();
  let n = 0;
  const flaky = new Timer(
    1,
    () => {
      n += 1;
      if (n === 2) throw new Error("boom");
      return n;
    },
    { driver: clock, onError: () => "continue" },
  ).start();
  await clock.advance(3);
  equal([flaky.isRunning(), flaky.hitCount], [true, 3], "after a failure with continue");
  await flaky.cancel();

  const failing = new Timer(
    1,
    () => {
      throw new Error("fatal");
    },
    { driver: clock, logger: quiet },
  ).start();
  const feed = failing.subscribe();
  let thrown;
  const consumed = (async () => {
    try {
      for await (const _ of feed);
    } catch (error) {
      thrown = error;
    }
  })();
  await clock.advance(1);
  await consumed;
  equal([failing.isRunning(), thrown?.message], [false, "fatal"], "stopped, and told the feed");
});

test("cancel() waits for the tick in flight and is idempotent", async () => {
  const clock = new VirtualClock();
  let finished = false;
  let cancelledCalls = 0;
  const timer = new Timer(
    1,
    async () => {
      await work(clock, 5);
      finished = true;
    },
    { driver: clock, onCancel: () => cancelledCalls++ },
  ).start();
  await clock.advance(1);
  const first = timer.cancel();
  const second = timer.cancel();
  equal(timer.isRunning(), false, "isRunning right after cancel()");
  await clock.runUntil(Promise.all([first, second]));
  equal([finished, cancelledCalls, clock.seconds], [true, 1, 5], "settled once, at 5 s");
});

test("a timer can be cancelled from inside its own tick", async () => {
  const clock = new VirtualClock();
  const timer = new Timer(
    1,
    () => {
      if (timer.hitCount === 2) void timer.cancel();
      return timer.hitCount;
    },
    { driver: clock },
  ).start();
  await clock.advance(10);
  equal([timer.isRunning(), timer.hitCount], [false, 2], "stopped after the third call");
});

test("every() and TimerGroup", async () => {
  const clock = new VirtualClock();
  const refresh = every(5, { driver: clock, name: "refresh" })(() => "fresh");
  equal(refresh.func(), "fresh", ".func is the function");
  const group = new TimerGroup([refresh, new Timer(1, () => 1, { driver: clock })]);
  group.start();
  await clock.advance(10);
  equal([group.isRunning(), refresh.hitCount], [true, 3], "group running");
  await group.cancel();
  equal(group.isRunning(), false, "group cancelled");
});

test("durations are seconds or strings; bad input throws naming it", () => {
  equal(new Timer("250ms", () => 1).delay, 0.25, "250ms");
  equal(new Timer("2m", () => 1).delay, 120, "2m");
  let error;
  try {
    new Timer(1, () => 1, { jitter: 1.5 });
  } catch (caught) {
    error = caught;
  }
  assert(error instanceof RangeError && /jitter/.test(error.message), `jitter error: ${error}`);
});

test("the pure machine: a start event arms the first wake", () => {
  const config = { mode: "fixed_delay", initialDelay: 0, jitter: 0, single: undefined };
  class Probe extends Machine {
    start(now) {
      return [this.onStart(now), this.phase];
    }
  }
  const [effects, phase] = new Probe(config, 1000).start(0);
  assert(phase === SLEEPING, `phase ${phase}`);
  assert(effects === (DO_STARTED | DO_SOON), `effects ${effects}`);
});

test("MockTimer: sleeps recorded, not slept", async () => {
  const timer = new MockTimer(3600, () => "tick").start();
  await timer.wait({ hitCount: 3, timeout: 10 });
  await timer.cancel();
  equal(timer.sleep.calls.slice(0, 2), [3600, 3600], "recorded sleeps");
});

test("the real driver: ticks on real time, and nothing after cancel()", async () => {
  let n = 0;
  const timer = new Timer("20ms", () => ++n, { unref: true }).start();
  await timer.wait({ hitCount: 3, timeout: 5 });
  await timer.cancel();
  const after = n;
  await realSleep(100);
  equal(n, after, "no tick after cancel");
  assert(timer.lastTickAt > Date.now() - 60_000, "lastTickAt is epoch ms");
});

let passed = 0;
let failed = 0;
for (const { name, fn } of results) {
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}: ${error?.stack ?? error}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
globalThis.__smoke = { passed, failed };
if (failed > 0 && typeof process !== "undefined") process.exitCode = 1;
