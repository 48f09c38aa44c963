/**
 * Metric 5 (child): fixed-rate accuracy. One timer of one subject at `--period` ms runs
 * `--ticks` ticks, each busy for `--work` ms; the start of every tick is recorded.
 *
 * Tick i belongs to slot i: with ~3 ms of work in a 10 ms period a rate-keeping scheduler has no
 * reason to skip a slot. Lateness = start − (anchor + i·period), the anchor being the grid through
 * the earliest tick, so every lateness is ≥ 0 and a constant offset (a slow first call) does not
 * count. A scheduler that keeps its rate has a bounded lateness — the last tick's stays under one
 * event-loop jitter — while one that re-arms "a period after the previous tick, late" accumulates
 * a little every tick. A stall of the whole process (a busy machine) makes a skipping scheduler
 * drop slots; such gaps (≥ 1.5 periods) are counted and reported, since they add whole periods
 * to the lateness of every later tick.
 */
import { runChild } from "../lib/child.mjs";
import { loadSubject, logCounts, logReport } from "../lib/subjects.mjs";

runChild(async (args) => {
  const id = args.subject;
  const period = Number(args.period ?? 10);
  const ticks = Number(args.ticks ?? 500);
  const work = Number(args.work ?? 3);
  const subject = await loadSubject(id);

  const starts = [];
  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  const target = async () => {
    const start = performance.now();
    if (starts.length < ticks) starts.push(start);
    while (performance.now() - start < work) {
      // ~`work` ms of synchronous work, as a CPU-bound tick would do
    }
    if (starts.length === ticks) finish();
  };

  const handle = subject.start(period, target, { immediate: true });
  await finished;
  await subject.stop(handle);

  const anchor = Math.min(...starts.map((start, i) => start - i * period));
  const lateness = starts.map((start, i) => start - (anchor + i * period));
  let skips = 0;
  for (let i = 1; i < starts.length; i++) if (starts[i] - starts[i - 1] >= 1.5 * period) skips++;
  const sorted = [...lateness].sort((a, b) => a - b);
  const quantile = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    subject: id,
    ticks: starts.length,
    value: lateness[lateness.length - 1],
    last: lateness[lateness.length - 1],
    p50: quantile(0.5),
    p99: quantile(0.99),
    max: sorted[sorted.length - 1],
    skips,
    elapsedMs: starts[starts.length - 1] - starts[0],
    warnings: logCounts.warn,
    logged: logReport(),
  };
});
