/**
 * Metric 2 (child, --expose-gc): heap per idle started timer, and what stays after cancel.
 *
 * `--timers` timers of one subject with a one-hour delay are started (ticking once at start where
 * the library can, so each holds its after-a-tick state) and left to settle; the heap after a
 * full GC, minus the heap before any was made, divided by their number, is the cost of an idle
 * timer. Then every timer is cancelled and dropped, and the whole cycle runs once more: the heap
 * the second cycle leaves behind beyond the first's, per timer, is the leak figure (≈ 0 when
 * everything is released; one-time allocations such as compiled code or grown internal tables
 * are paid in the first cycle and do not count).
 */
import { heapAfterGc, runChild, sleep } from "../lib/child.mjs";
import { loadSubject, SUBJECTS } from "../lib/subjects.mjs";

const HOUR = 3_600_000;

runChild(async (args) => {
  const id = args.subject;
  const count = Number(args.timers ?? 50_000);
  const subject = await loadSubject(id);
  let ticks = 0;
  const target = async () => {
    ticks++;
  };
  // Warm the subject's code paths once, so compiled code and lazily built tables are not
  // counted as per-timer memory.
  const warm = [];
  for (let i = 0; i < 100; i++) warm.push(subject.start(HOUR, target, { immediate: true }));
  await sleep(20);
  await Promise.all(warm.map((handle) => subject.stop(handle)));
  warm.length = 0;
  await sleep(20);

  // The handles' array is made before the baseline: it is the bench's, not the subject's.
  const handles = new Array(count).fill(null);
  // Subjects that can tick at start do so once per timer; the figure is taken after those ticks
  // (so the heap holds each timer's after-a-tick state, and no tick is half done). The wait does
  // not depend on the machine's speed: only the memory, not the time, is measured here.
  const ticksPerCycle = SUBJECTS[id].noImmediate ? 0 : count;
  const cycle = async () => {
    const ticks0 = ticks;
    for (let i = 0; i < count; i++) handles[i] = subject.start(HOUR, target, { immediate: true });
    for (let waited = 0; ticks - ticks0 < ticksPerCycle && waited < 30_000; waited += 10) {
      await sleep(10);
    }
    await sleep(20);
    const started = await heapAfterGc();
    await Promise.all(handles.map((handle) => subject.stop(handle)));
    handles.fill(null);
    await sleep(20);
    return { started, after: await heapAfterGc() };
  };
  ticks = 0;
  const before = await heapAfterGc();
  const first = await cycle();
  const second = await cycle();
  return {
    subject: id,
    timers: count,
    ticksAtStart: ticks / 2,
    value: (first.started - before) / count,
    retained: (second.after - first.after) / count,
    firstCycleResidue: (first.after - before) / count,
    heap: { before, first, second },
  };
});
