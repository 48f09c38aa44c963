/**
 * Metric "allocation per tick" (child; run with --expose-gc and a large young generation, see
 * lib/plan.mjs): heap bytes allocated per executed tick in the steady state.
 *
 * The method, the same on Node 20, 24 and 26. With no garbage collection in between, V8's
 * `used_heap_size` (`v8.getHeapStatistics()`) only grows, by exactly the bytes allocated: objects
 * are bump-allocated and nothing is freed until a collection runs. (Checked by allocating known
 * objects: 40 B for `{ a, b }`, 48 B for a promise, to within 0.02 B per object over 100,000.) So:
 *
 * 1. `--timers` timers of the subject tick every `--period` ms; `--warmup` ms let the JIT settle;
 * 2. a minor collection empties the young generation, which the child's flags make 64 MB, large
 *    enough that a window of ticks fits in it without a collection;
 * 3. a window of `--window` ms: bytes/tick = growth of `used_heap_size` ÷ ticks executed in it;
 * 4. `PerformanceObserver` reports every collection with its start and duration: a window that
 *    overlaps one is discarded and the next window is half as long.
 *
 * Repeated for `--windows` windows; the figure is the smallest clean window's. Anything else that
 * allocates during a window (V8 installing optimised code, a few hundred bytes now and then) only
 * adds, so the minimum is the steady state's. Finally the target alone: it is called 20,000 times
 * in a synchronous loop (no tick can run meanwhile), eight times, each after a minor collection and
 * kept only if no collection overlapped it, and the smallest young-generation growth per call is
 * "the target's own" (on Node 20/22 this includes AsyncLocalStorage's promise hook when the
 * process has turned it on, as it is for every promise of the process).
 */
import { PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import { enableAsyncLocalStorage, runChild, sleep } from "../lib/child.mjs";
import { loadSubject, logCounts, logReport, SUBJECTS } from "../lib/subjects.mjs";

const used = () => v8.getHeapStatistics().used_heap_size;
const newSpace = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_used_size ?? 0;

runChild(async (args) => {
  if (typeof globalThis.gc !== "function") throw new Error("run this child with --expose-gc");
  const id = args.subject;
  if (SUBJECTS[id]?.als) enableAsyncLocalStorage();
  const timers = Number(args.timers ?? 200);
  const period = Number(args.period ?? 10);
  const warmup = Number(args.warmup ?? 1500);
  let windowMs = Number(args.window ?? 700);
  const windows = Number(args.windows ?? 5);
  const subject = await loadSubject(id);

  const collections = [];
  const observer = new PerformanceObserver((list) => collections.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });

  let ticks = 0;
  const target = async () => {
    ticks++;
  };
  for (let i = 0; i < timers; i++) subject.start(period, target, { immediate: true });
  await sleep(warmup);

  const clean = [];
  let discarded = 0;
  for (let w = 0; w < windows; w++) {
    globalThis.gc({ type: "minor" });
    await sleep(period * 2);
    const ticks0 = ticks;
    const t0 = performance.now();
    const heap0 = used();
    const young0 = newSpace();
    await sleep(windowMs);
    const heap1 = used();
    const young1 = newSpace();
    const t1 = performance.now();
    const executed = ticks - ticks0;
    // Entries are delivered after the fact: give the observer a turn of the loop.
    await sleep(1);
    const overlapping = collections.some(
      (e) => e.startTime <= t1 && e.startTime + e.duration >= t0,
    );
    if (overlapping || executed === 0) {
      discarded++;
      windowMs = Math.max(50, windowMs / 2);
      continue;
    }
    clean.push({
      ticks: executed,
      ms: t1 - t0,
      perTick: (heap1 - heap0) / executed,
      youngPerTick: (young1 - young0) / executed,
    });
  }
  if (clean.length === 0) {
    throw new Error(`every window overlapped a garbage collection (${discarded} tried)`);
  }
  clean.sort((a, b) => a.perTick - b.perTick);
  const best = clean[0];

  // The target alone, in the process's present state (ALS on or off as the subject left it). Its
  // promise is young-generation garbage; only that space is read, so V8 compiling the loop (code
  // and metadata in other spaces, now and then) does not count.
  const calls = 20_000;
  const results = new Array(1024);
  const callTarget = () => {
    for (let i = 0; i < calls; i++) results[i & 1023] = target();
  };
  let own = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < 8; rep++) {
    globalThis.gc({ type: "minor" });
    const t0 = performance.now();
    const before = newSpace();
    callTarget();
    const grown = newSpace() - before;
    const t1 = performance.now();
    await sleep(1);
    if (!collections.some((e) => e.startTime <= t1 && e.startTime + e.duration >= t0)) {
      own = Math.min(own, grown / calls);
    }
  }
  observer.disconnect();
  if (own === Number.POSITIVE_INFINITY) {
    throw new Error("every reading of the target alone overlapped a collection");
  }

  return {
    subject: id,
    node: process.version,
    timers,
    value: best.perTick,
    beyond: best.perTick - own,
    targetOwn: own,
    youngPerTick: best.youngPerTick,
    windows: clean,
    discarded,
    warnings: logCounts.warn,
    logged: logReport(),
  };
});
