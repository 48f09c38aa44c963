/**
 * Metric "saturation" (child): many timers at a short period, more than the process can keep up
 * with, so scheduling overhead turns directly into lost ticks and a slower event loop.
 *
 * `--timers` timers of one subject tick every `--period` ms on a trivial async target (ticking
 * once at start, so they all compete from the first moment). After `--warmup` ms (JIT settled, the
 * backlog of the start spread out), a window of `--measure` ms records:
 *
 * - **ticks per timer per second**: ticks executed in the window ÷ timers ÷ seconds. 1000/period
 *   is a perfect schedule; a subject that costs more per tick runs fewer;
 * - **event-loop lag**: `perf_hooks.monitorEventLoopDelay()` over the window (a libuv timer every
 *   `--resolution` ms records how late it ran, i.e. how long the loop was busy elsewhere): p50,
 *   p99 and max, in ms.
 *
 * The process exits right after (no cancel is timed: start+cancel is metric 3).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { cpuMicros, enableAsyncLocalStorage, runChild, sleep } from "../lib/child.mjs";
import { loadSubject, logCounts, logReport, SUBJECTS } from "../lib/subjects.mjs";

runChild(async (args) => {
  const id = args.subject;
  if (SUBJECTS[id]?.als) enableAsyncLocalStorage();
  const timers = Number(args.timers ?? 50_000);
  const period = Number(args.period ?? 10);
  const warmup = Number(args.warmup ?? 1500);
  const measure = Number(args.measure ?? 2000);
  const resolution = Number(args.resolution ?? 1);
  const subject = await loadSubject(id);

  let ticks = 0;
  const target = async () => {
    ticks++;
  };
  const t0 = performance.now();
  for (let i = 0; i < timers; i++) subject.start(period, target, { immediate: true });
  const startMs = performance.now() - t0;

  await sleep(warmup);
  const histogram = monitorEventLoopDelay({ resolution });
  histogram.enable();
  const ticks0 = ticks;
  const cpu0 = cpuMicros();
  const wall0 = performance.now();
  await sleep(measure);
  const wall = performance.now() - wall0;
  const executed = ticks - ticks0;
  const cpu = cpuMicros() - cpu0;
  histogram.disable();

  // No sample means the loop never came round to the monitor's timer in the whole window: the
  // lag is not measured then (and the row says so), rather than read as 0.
  const ms = (ns) => (histogram.count < 2 ? null : ns / 1e6);
  return {
    subject: id,
    node: process.version,
    timers,
    period,
    ticks: executed,
    wallMs: wall,
    // The figure: ticks each timer executed per second (a perfect schedule: 1000 / period).
    value: executed / timers / (wall / 1000),
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    samples: histogram.count,
    // Share of the window the process spent on a CPU (1 = one core busy all along).
    cpuShare: cpu / 1000 / wall,
    cpuPerTick: cpu / executed,
    startMs,
    warnings: logCounts.warn,
    logged: logReport(),
  };
});
