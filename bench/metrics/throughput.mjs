/**
 * Metric 3 (child): start+cancel throughput. `--timers` timers with a one-hour delay (first tick
 * after the delay, so no tick runs) are started, then all cancelled, awaiting whatever the
 * cancel returns; ops/s = timers / elapsed. One unmeasured pass warms the code, then the median
 * of `--passes` passes is reported.
 */
import { collect, runChild } from "../lib/child.mjs";
import { loadSubject } from "../lib/subjects.mjs";

const HOUR = 3_600_000;

runChild(async (args) => {
  const id = args.subject;
  const count = Number(args.timers ?? 50_000);
  const passes = Number(args.passes ?? 3);
  const subject = await loadSubject(id);
  const target = async () => {};
  const handles = new Array(count).fill(null);

  const pass = async () => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) handles[i] = subject.start(HOUR, target, { immediate: false });
    const pending = [];
    for (let i = 0; i < count; i++) {
      const stopped = subject.stop(handles[i]);
      if (stopped !== undefined) pending.push(stopped);
    }
    await Promise.all(pending);
    const elapsed = performance.now() - t0;
    handles.fill(null);
    return (count / elapsed) * 1000;
  };

  await pass();
  const rates = [];
  for (let i = 0; i < passes; i++) {
    if (typeof globalThis.gc === "function") await collect();
    rates.push(await pass());
  }
  rates.sort((a, b) => a - b);
  return { subject: id, timers: count, value: rates[rates.length >> 1], passes: rates };
});
