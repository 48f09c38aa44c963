/**
 * The workload `bench/instructions/count.mjs` counts: `passes` passes, each starting `timers`
 * timers with a one-hour delay and cancelling them all (awaited), as metric 5 does — ours, or the
 * floor's bare `setTimeout`/`clearTimeout`. Usage: node start-cancel.mjs ours|floor TIMERS PASSES
 */
const { Timer } = await import("@async-timer/core");

const [subject = "ours", timersArg = "20000", passesArg = "4"] = process.argv.slice(2);
const timers = Number(timersArg);
const handles = new Array(timers);
const target = async () => {};
const logger = { debug() {}, info() {}, warn() {}, error() {} };

async function pass() {
  if (subject === "floor") {
    for (let i = 0; i < timers; i++) {
      const state = { handle: undefined, stopped: false };
      state.handle = setTimeout(() => {}, 3_600_000);
      handles[i] = state;
    }
    for (let i = 0; i < timers; i++) {
      handles[i].stopped = true;
      clearTimeout(handles[i].handle);
    }
    return;
  }
  for (let i = 0; i < timers; i++) {
    handles[i] = new Timer(3600, target, { mode: "fixed_delay", initialDelay: 3600, logger });
    handles[i].start();
  }
  const pending = [];
  for (let i = 0; i < timers; i++) pending.push(handles[i].cancel());
  await Promise.all(pending);
}

for (let i = 0; i < Number(passesArg); i++) await pass();
