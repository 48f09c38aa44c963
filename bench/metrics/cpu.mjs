/**
 * Metric 1 (child): process CPU per executed tick. `--timers` timers of one subject tick every
 * `--period` ms on a trivial async target; after `--warmup` ms (JIT and lists settle), the CPU
 * time used over `--measure` ms is divided by the ticks executed in that window.
 *
 * With `--align`, the window opens and closes half-way between two whole seconds, so subjects
 * that fire on second boundaries (croner) are not cut mid-burst.
 */
import { cpuMicros, enableAsyncLocalStorage, runChild, sleep } from "../lib/child.mjs";
import { loadSubject, logCounts, logReport, SUBJECTS } from "../lib/subjects.mjs";

runChild(async (args) => {
  const id = args.subject;
  if (SUBJECTS[id]?.als) enableAsyncLocalStorage();
  const timers = Number(args.timers ?? 1000);
  const period = Number(args.period ?? 10);
  const warmup = Number(args.warmup ?? 1000);
  const measure = Number(args.measure ?? 1500);
  const subject = await loadSubject(id);

  let ticks = 0;
  const target = async () => {
    ticks++;
  };
  const handles = [];
  for (let i = 0; i < timers; i++) handles.push(subject.start(period, target, { immediate: true }));

  await sleep(warmup);
  if (args.align) await sleep(untilHalfSecond());
  const cpu0 = cpuMicros();
  const ticks0 = ticks;
  const wall0 = performance.now();
  if (args.align) {
    await sleep(measure - 200);
    await sleep(untilHalfSecond());
  } else await sleep(measure);
  const cpu = cpuMicros() - cpu0;
  const executed = ticks - ticks0;
  const wall = performance.now() - wall0;

  await Promise.all(handles.map((handle) => subject.stop(handle)));
  return {
    subject: id,
    node: process.version,
    cpuMicros: cpu,
    ticks: executed,
    wallMs: wall,
    value: cpu / executed,
    // How close each timer kept to its period: 1 = a tick every period.
    cadence: executed / timers / (wall / period),
    // Our Timer's warn lines (fixed_rate skips), counted instead of printed.
    warnings: logCounts.warn,
    logged: logReport(),
  };
});

function untilHalfSecond() {
  const inSecond = Date.now() % 1000;
  return (1500 - inSecond) % 1000;
}
