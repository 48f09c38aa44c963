/**
 * The soak itself (run by bench/soak.mjs with --expose-gc; never call it without a parent that
 * watches it exit). `--timers` timers with random delays, modes, options and targets (plain,
 * async, slow, throwing, generators, signal-bound), and random churn — start, cancel, trigger,
 * join, subscribe (fast, slow, bounded consumers), dropOldest, close, setDelay, abort, replace —
 * for `--duration` seconds. Then everything is cancelled and the checks of issue #7 run:
 *
 *   heap     after GC, within 5% of its level after warm-up
 *   rejects  no unhandledRejection (nor uncaughtException)
 *   signals  no listener left on any AbortSignal passed to a timer
 *   order    every subscription saw strictly increasing values (each timer's values count up)
 *   fresh    trigger() and join() answered with a value newer than the last one at the call
 *   endings  every consumer loop ended once its timer stopped; no API call failed unexpectedly
 *   handles  no timer handle pending once everything is cancelled (and the parent checks that
 *            the process then exits by itself)
 *   shared   one app-wide `cancelOn` promise that never settles and one app-wide signal that never
 *            aborts, given to a share of the timers (issue #16.3): after the churn no listener is
 *            left on the signal, and 20,000 more timers on them, started and cancelled, leave
 *            under 32 B each on the heap (one callback per timer on the promise cost ~350 B)
 *
 * Prints progress lines, then one result line (RESULT_MARK + JSON), and returns without
 * process.exit().
 */
import { getEventListeners } from "node:events";
import { Timer } from "@async-timer/core";
import { heapAfterGc, parseArgs, RESULT_MARK } from "../lib/child.mjs";

const args = parseArgs();
const TIMERS = Number(args.timers ?? 10_000);
const DURATION = Number(args.duration ?? 60) * 1000;
const SEED = Number(args.seed ?? Math.floor(Math.random() * 2 ** 31));
// Before the heap's reference level is taken: the population of timers and subscriptions
// settles within a few seconds, V8's compiled code (part of the heap) keeps growing for longer.
const WARMUP =
  args.warmup === undefined
    ? Math.min(DURATION / 2, Math.max(2000, DURATION * 0.25))
    : Math.min(DURATION - 1000, Number(args.warmup) * 1000);
const SAMPLE_EVERY = Math.min(5000, Math.max(250, DURATION / 20));
const HEAP_TOLERANCE = 0.05;

// ─── Seeded randomness (mulberry32), so a failing seed replays the same choices ─────────────

let rngState = SEED >>> 0;
function random() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const chance = (p) => random() < p;
const between = (lo, hi) => lo + random() * (hi - lo);
const logUniform = (lo, hi) => Math.exp(between(Math.log(lo), Math.log(hi)));
function pick(weights) {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (const [key, weight] of Object.entries(weights)) {
    r -= weight;
    if (r < 0) return key;
  }
  return Object.keys(weights)[0];
}

// ─── Bookkeeping ────────────────────────────────────────────────────────────────────────────

const stats = {
  ticks: 0,
  targetErrors: 0,
  ops: {},
  subscriptions: 0,
  delivered: 0,
  dropped: 0,
  triggers: { ok: 0, rejected: 0 },
  joins: { ok: 0, rejected: 0 },
  startRefused: 0,
  replaced: 0,
  aborted: 0,
};
const violations = [];
const violation = (kind, detail) => {
  if (violations.length < 50) violations.push({ kind, detail: String(detail).slice(0, 300) });
  else violations.length++; // keep counting without keeping
};
const unhandled = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(String(reason?.stack ?? reason).slice(0, 300));
});
process.on("uncaughtException", (error) => {
  unhandled.push(`uncaughtException: ${String(error?.stack ?? error).slice(0, 300)}`);
});
const logs = { debug: 0, info: 0, warn: 0, error: 0 };
const logger = {
  debug: () => void logs.debug++,
  info: () => void logs.info++,
  warn: () => void logs.warn++,
  error: () => void logs.error++,
};

/** Promises the churn started and nobody awaits: settled before the final checks. */
const inFlight = new Set();
const track = (promise) => {
  inFlight.add(promise);
  promise.finally(() => inFlight.delete(promise)).catch(() => {});
};
const EXPECTED = new Set([
  "TimerCancelledError",
  "TimerStateError",
  "TimerTimeoutError",
  "SoakError",
  "AbortError",
]);
const expected = (error) => EXPECTED.has(error?.name);

class SoakError extends Error {
  name = "SoakError";
}

/** A real sleep a target may cut short with its signal. */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const handle = setTimeout(done, ms);
    function done() {
      clearTimeout(handle);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

// ─── Timers ─────────────────────────────────────────────────────────────────────────────────

/**
 * Every AbortSignal passed to a timer must be left without a listener once its timer stops: a
 * replaced timer's signal is checked when its cancel() resolves, the others at the end.
 */
let signalsChecked = 0;
function checkSignal(entry) {
  if (entry.controller === undefined) return;
  signalsChecked++;
  const listeners = getEventListeners(entry.controller.signal, "abort").length;
  if (listeners > 0) {
    violation("signals", `an AbortSignal passed in still has ${listeners} abort listener(s)`);
  }
}

function makeEntry() {
  const delayMs = logUniform(50, 5000);
  let seq = 0; // each tick's value: counts up across ticks and runs of this timer
  const next = () => {
    stats.ticks++;
    return ++seq;
  };
  const kind = pick({
    sync: 20,
    async: 25,
    slow: 10,
    stubborn: 5,
    throwing: 10,
    generator: 10,
    asyncGenerator: 10,
    generatorObject: 5,
    signalBound: 5,
  });
  const failRate = 0.2;
  let target;
  let singleRun = false;
  switch (kind) {
    case "sync":
    case "signalBound":
      target = () => next();
      break;
    case "async":
      target = async () => {
        await null;
        return next();
      };
      break;
    case "slow": // honours its signal
      target = async ({ signal }) => {
        const value = next();
        await sleep(between(0, 2 * delayMs), signal);
        return value;
      };
      break;
    case "stubborn": // ignores its signal, for at most 200 ms
      target = async () => {
        const value = next();
        await sleep(between(0, Math.min(200, 2 * delayMs)));
        return value;
      };
      break;
    case "throwing":
      target = chance(0.5)
        ? () => {
            if (chance(failRate)) {
              stats.targetErrors++;
              throw new SoakError("a throwing tick");
            }
            return next();
          }
        : async () => {
            await null;
            if (chance(failRate)) {
              stats.targetErrors++;
              throw new SoakError("a rejecting tick");
            }
            return next();
          };
      break;
    case "generator": {
      const finite = chance(0.3) ? Math.ceil(between(1, 20)) : Number.POSITIVE_INFINITY;
      target = function* () {
        for (let i = 0; i < finite; i++) yield next();
      };
      break;
    }
    case "asyncGenerator":
      target = async function* () {
        for (;;) {
          await null;
          yield next();
        }
      };
      break;
    case "generatorObject":
      singleRun = true;
      target = (function* () {
        for (;;) yield next();
      })();
      break;
  }
  const options = {
    mode: chance(0.5) ? "fixed_rate" : "fixed_delay",
    logger,
    name: `t${kind}`,
  };
  if (chance(0.3)) options.jitter = between(0, 0.3);
  if (chance(0.3)) options.initialDelay = between(0, delayMs) / 1000;
  if (chance(0.2)) options.unref = true;
  if (kind === "throwing" && chance(0.5)) options.onError = () => "continue";
  let controller;
  if (kind === "signalBound") {
    singleRun = true;
    controller = new AbortController();
    if (chance(0.5)) options.signal = controller.signal;
    else options.cancelOn = [controller.signal];
  } else if (chance(0.3)) {
    // The app-wide shutdown inputs: single-run timers too.
    singleRun = true;
    if (chance(0.5)) options.cancelOn = [sharedShutdown];
    else options.signal = sharedSignal;
  }
  const timer = new Timer(delayMs / 1000, target, options);
  return { timer, kind, singleRun, controller, subs: new Set() };
}

const entries = [];

/** One shutdown promise and one shutdown signal for the whole "service", as guides show. */
const sharedShutdown = new Promise(() => {});
const sharedSignal = new AbortController().signal;

// ─── Subscriptions and their consumers ──────────────────────────────────────────────────────

const consumers = new Set();
let openSubs = 0;

function subscribe(entry) {
  const bounded = chance(0.4);
  const feed = entry.timer.subscribe(bounded ? { maxsize: Math.ceil(between(1, 50)) } : {});
  stats.subscriptions++;
  openSubs++;
  // Unbounded queues get fast consumers (nothing piles up); bounded ones may be slow.
  const slow = bounded && chance(0.5);
  const record = { feed, last: 0 };
  entry.subs.add(record);
  const loop = (async () => {
    try {
      for await (const value of feed) {
        if (typeof value !== "number" || value <= record.last) {
          violation("order", `${entry.kind}: ${value} after ${record.last}`);
        }
        record.last = value;
        stats.delivered++;
        if (slow) await sleep(between(0, 100));
      }
    } catch (error) {
      if (!expected(error)) violation("subscription-error", error?.stack ?? error);
    } finally {
      stats.dropped += feed.droppedCount;
      entry.subs.delete(record);
      openSubs--;
    }
  })();
  consumers.add(loop);
  loop.finally(() => consumers.delete(loop));
}

for (let i = 0; i < TIMERS; i++) {
  const entry = makeEntry();
  entry.timer.start();
  if (chance(0.8)) subscribe(entry); // about the steady state's number of subscriptions
  entries.push(entry);
}

// ─── Churn ──────────────────────────────────────────────────────────────────────────────────

function count(op) {
  stats.ops[op] = (stats.ops[op] ?? 0) + 1;
}

function churnOnce() {
  const index = Math.floor(random() * entries.length);
  const entry = entries[index];
  const { timer } = entry;
  if (!timer.isRunning()) {
    if (entry.singleRun && chance(0.3)) {
      // A timer that may run once refuses a second start, with TimerStateError.
      count("start");
      try {
        timer.start();
        violation("start", `${entry.kind}: a single-run timer started a second run`);
      } catch (error) {
        if (error?.name === "TimerStateError") stats.startRefused++;
        else violation("start", error?.stack ?? error);
      }
    }
    if (entry.singleRun || chance(0.05)) {
      replace(index);
      return;
    }
    count("start");
    try {
      timer.start();
    } catch (error) {
      violation("start", error?.stack ?? error);
    }
    return;
  }
  const op = pick({
    cancel: 8,
    cancelWithTimeout: 2,
    trigger: 20,
    join: 5,
    subscribe: entry.subs.size < 3 ? 20 : 0,
    dropOldest: 10,
    close: 8,
    setDelay: 15,
    abort: entry.controller === undefined ? 0 : 3,
    replace: 2,
  });
  count(op);
  switch (op) {
    case "cancel":
    case "cancelWithTimeout":
      track(
        timer.cancel(op === "cancel" ? undefined : { timeout: 0.05 }).catch((error) => {
          violation("cancel", error?.stack ?? error);
        }),
      );
      break;
    case "trigger":
    case "join": {
      const before = typeof timer.lastResult === "number" ? timer.lastResult : 0;
      const tally = op === "trigger" ? stats.triggers : stats.joins;
      track(
        (op === "trigger" ? timer.trigger() : timer.join()).then(
          (value) => {
            tally.ok++;
            if (typeof value !== "number" || value <= before) {
              violation(`${op}-freshness`, `${entry.kind}: ${value}, last was ${before}`);
            }
          },
          (error) => {
            tally.rejected++;
            if (!expected(error)) violation(op, error?.stack ?? error);
          },
        ),
      );
      break;
    }
    case "subscribe":
      subscribe(entry);
      break;
    case "dropOldest":
    case "close": {
      const record = [...entry.subs][Math.floor(random() * entry.subs.size)];
      if (record === undefined) break;
      if (op === "close") record.feed.close();
      else record.feed.dropOldest(Math.floor(between(0, record.feed.qsize + 1)));
      break;
    }
    case "setDelay":
      timer.setDelay(logUniform(50, 5000) / 1000);
      break;
    case "abort":
      stats.aborted++;
      entry.controller.abort();
      break;
    case "replace":
      replace(index);
      break;
  }
}

function replace(index) {
  const old = entries[index];
  stats.replaced++;
  track(
    old.timer.cancel().then(
      () => checkSignal(old),
      (error) => violation("cancel", error?.stack ?? error),
    ),
  );
  const entry = makeEntry();
  entries[index] = entry;
  entry.timer.start();
}

// Each timer is picked about twice a second, so the population (running timers, open
// subscriptions) settles into its steady state within the warm-up.
const OPS_PER_STEP = Math.max(5, Math.round(TIMERS / 50));
const churn = setInterval(() => {
  for (let i = 0; i < OPS_PER_STEP; i++) {
    try {
      churnOnce();
    } catch (error) {
      violation("churn", error?.stack ?? error);
    }
  }
}, 10);

// ─── Heap samples ───────────────────────────────────────────────────────────────────────────

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const samples = [];
async function sample() {
  const heap = await heapAfterGc();
  const running = entries.reduce((n, e) => n + (e.timer.isRunning() ? 1 : 0), 0);
  samples.push({ at: Math.round(performance.now() - t0), heap, running, subscriptions: openSubs });
  return heap;
}

const progressEvery = Math.max(5000, DURATION / 6);
let nextProgress = progressEvery;
await new Promise((resolve) => setTimeout(resolve, WARMUP));
while (performance.now() - t0 < DURATION) {
  await sample();
  const elapsed = performance.now() - t0;
  if (elapsed >= nextProgress) {
    nextProgress += progressEvery;
    const last = samples[samples.length - 1];
    console.log(
      `soak: ${Math.round(elapsed / 1000)} s, ${stats.ticks} ticks, heap ${(last.heap / 2 ** 20).toFixed(1)} MiB, ${last.running} running, ${last.subscriptions} subscriptions`,
    );
  }
  await new Promise((resolve) =>
    setTimeout(resolve, Math.min(SAMPLE_EVERY, DURATION - (performance.now() - t0))),
  );
}
clearInterval(churn);
await sample();

// The level after warm-up and at the end: the median of three samples each, so one GC-time
// outlier does not decide.
const median3 = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
const heapWarm = median3(samples.slice(0, 3).map((s) => s.heap));
const heapEnd = median3(samples.slice(-3).map((s) => s.heap));
const heapChange = (heapEnd - heapWarm) / heapWarm;
const churnCpuMs = (() => {
  const used = process.cpuUsage(cpu0);
  return Math.round((used.user + used.system) / 1000);
})();

// ─── Wind down: cancel everything, let every promise and consumer finish ────────────────────

const windDown = performance.now();
await Promise.all(
  entries.map((entry) =>
    entry.timer.cancel().catch((error) => violation("cancel", error?.stack ?? error)),
  ),
);
await Promise.allSettled([...inFlight]);
const pendingConsumers = consumers.size;
let consumersTimedOut = false;
if (consumers.size > 0) {
  let guard;
  const timedOut = new Promise((resolve) => {
    guard = setTimeout(() => resolve(true), 5000);
  });
  consumersTimedOut = await Promise.race([
    Promise.allSettled([...consumers]).then(() => false),
    timedOut,
  ]);
  clearTimeout(guard);
}
if (consumersTimedOut) {
  violation(
    "endings",
    `${consumers.size} consumer loop(s) still waiting 5 s after every timer was cancelled`,
  );
}
// A stubborn tick abandoned by a cancel({ timeout }) sleeps at most 200 ms more.
await new Promise((resolve) => setTimeout(resolve, 250));
const windDownMs = Math.round(performance.now() - windDown);

for (const entry of entries) checkSignal(entry);
const sharedListeners = getEventListeners(sharedSignal, "abort").length;
if (sharedListeners > 0) {
  violation("shared", `the shared signal still has ${sharedListeners} abort listener(s)`);
}
// The shared promise and signal must keep nothing per timer once its run has ended: 20,000
// more timers on them, started and cancelled, then the heap they left behind, per timer. (The
// random churn's own heap moves too much with its population to see a few bytes per timer.)
const SHARED_CHURN = 20_000;
const sharedBefore = await heapAfterGc();
for (let i = 0; i < SHARED_CHURN; i++) {
  const options = i % 2 === 0 ? { cancelOn: [sharedShutdown] } : { signal: sharedSignal };
  await new Timer(3600, () => i, { ...options, logger }).start().cancel();
}
const retainedPerTimer = ((await heapAfterGc()) - sharedBefore) / SHARED_CHURN;
if (retainedPerTimer > 32) {
  violation(
    "shared",
    `${retainedPerTimer.toFixed(1)} B retained per timer by the shared cancelOn promise and signal`,
  );
}
await new Promise((resolve) => setImmediate(resolve));
const resources = process.getActiveResourcesInfo();
const timerHandles = resources.filter((r) => r === "Timeout" || r === "Immediate").length;
if (timerHandles > 0)
  violation("handles", `${timerHandles} timer handle(s) pending: ${resources.join(", ")}`);
if (Math.abs(heapChange) > HEAP_TOLERANCE) {
  violation(
    "heap",
    `heap after GC went from ${(heapWarm / 2 ** 20).toFixed(2)} MiB after warm-up to ${(heapEnd / 2 ** 20).toFixed(2)} MiB (${(heapChange * 100).toFixed(1)}%)`,
  );
}

const result = {
  ok: violations.length === 0 && unhandled.length === 0,
  seed: SEED,
  timers: TIMERS,
  durationSeconds: DURATION / 1000,
  warmupSeconds: WARMUP / 1000,
  heap: {
    afterWarmupMiB: heapWarm / 2 ** 20,
    atEndMiB: heapEnd / 2 ** 20,
    changePercent: heapChange * 100,
    tolerancePercent: HEAP_TOLERANCE * 100,
    samples: samples.map((s) => ({ ...s, heap: Number((s.heap / 2 ** 20).toFixed(2)) })),
  },
  stats: { ...stats, churnCpuMs, logs },
  windDownMs,
  consumersAtWindDown: pendingConsumers,
  signalsChecked,
  shared: { listenersLeft: sharedListeners, retainedPerTimer, timers: SHARED_CHURN },
  activeResources: resources,
  unhandledRejections: unhandled.length,
  unhandled: unhandled.slice(0, 10),
  violations: violations.length,
  violationSamples: violations.slice(0, 20),
};
process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
// Late unhandled rejections would show after this line: the parent reads this too.
process.on("exit", () => {
  process.stdout.write(`@@soak-exit ${JSON.stringify({ unhandled: unhandled.length })}\n`);
});
