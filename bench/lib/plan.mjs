/**
 * What `pnpm bench` measures: every metric, its runs (one child process per run and round), the
 * figures read from each run's result, and the targets from issue #7.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SUBJECTS } from "./subjects.mjs";

const metricsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "metrics");
const script = (name) => join(metricsDir, name);

/** Sizes of each metric: the full run, and `--quick` (smoke runs). */
export const PARAMETERS = {
  full: {
    rounds: 5,
    cpu: { timers: 1000, period: 10, warmup: 1000, measure: 1500 },
    cpuSlow: { timers: 2000, period: 1000, warmup: 1000, measure: 3000 },
    memory: { timers: 50_000, cronerTimers: 5000 },
    throughput: { timers: 50_000, cronerTimers: 2000, passes: 2 },
    fanout: { subscribers: 10_000, pushTicks: 1000, consumedTicks: 50, boundedTicks: 1_000_000 },
    accuracy: { period: 10, ticks: 500, work: 3 },
    virtual: { ticks: 86_400 },
  },
  quick: {
    rounds: 2,
    cpu: { timers: 1000, period: 10, warmup: 400, measure: 600 },
    cpuSlow: { timers: 1000, period: 1000, warmup: 300, measure: 1000 },
    memory: { timers: 10_000, cronerTimers: 1000 },
    throughput: { timers: 10_000, cronerTimers: 500, passes: 1 },
    fanout: { subscribers: 10_000, pushTicks: 200, consumedTicks: 20, boundedTicks: 200_000 },
    accuracy: { period: 10, ticks: 100, work: 3 },
    virtual: { ticks: 20_000 },
  },
};

// ─── Targets ────────────────────────────────────────────────────────────────────────────────

const ratioAtMost = (limit) => ({
  text: `≤ ${limit}× floor`,
  check: (row) => row.ratio !== undefined && row.ratio.median <= limit,
});
const atMost = (limit, unit) => ({
  text: unit === "×" ? `≤ ${limit}×` : `≤ ${limit} ${unit}`,
  check: (row) => row.median <= limit,
});
const lateBelow = (limit) => ({
  text: `last tick < ${limit} ms late`,
  check: (row) => row.median < limit,
});
/** Better than every peer of the same group (lower, or higher for throughput). */
const beatsPeers = (better) => ({
  text: better === "lower" ? "below every peer" : "above every peer",
  check: (row, rows) => {
    const peers = rows.filter((r) => r.peer && r.group === row.group && r.figure === row.figure);
    if (peers.length === 0) return true;
    return better === "lower"
      ? peers.every((p) => row.median < p.median)
      : peers.every((p) => row.median > p.median);
  },
});
/** Heap left per timer after cancel: ≈ 0, i.e. under the readings' noise at this scale. */
const noLeak = {
  text: "≤ 32 B/timer or 1% of an idle timer",
  check: (row, rows) => {
    const idle = rows.find((r) => r.key === row.key && r.figure === "value");
    return row.median <= Math.max(32, 0.01 * (idle?.median ?? 0));
  },
};
const all = (...targets) => ({
  text: targets.map((t) => t.text).join(", "),
  check: (row, rows) => targets.every((t) => t.check(row, rows)),
});

// ─── Runs ───────────────────────────────────────────────────────────────────────────────────

function subjectRun(id, extra = {}) {
  const subject = SUBJECTS[id];
  return {
    key: id,
    subject: id,
    label: subject.label,
    floorKey: subject.floor,
    ours: subject.ours === true,
    peer: subject.ours !== true && subject.isFloor !== true,
    isFloor: subject.isFloor === true,
    group: "main",
    ...extra,
  };
}

const CPU_SUBJECTS = [
  "floor-delay",
  "floor-rate",
  "floor-als",
  "timer-delay",
  "timer-rate",
  "sia-dynamic",
  "sia-fixed",
  "toad",
  "rxjs",
  "effect-spaced",
  "effect-fixed",
];
const IDLE_SUBJECTS = [
  "floor-delay",
  "timer-delay",
  "timer-rate",
  "sia-dynamic",
  "toad",
  "croner",
  "rxjs",
  "effect-spaced",
];
const RATE_SUBJECTS = ["floor-rate", "timer-rate", "sia-dynamic", "toad", "rxjs", "effect-fixed"];

/**
 * @param {"full" | "quick"} size
 * @param {{ node24?: string }} options  node24: path of a Node 24 binary for metric 1's extra rows
 */
export function buildPlan(size, { node24 } = {}) {
  const p = PARAMETERS[size];
  const cpuArgs = (c) => [
    "--timers",
    String(c.timers),
    "--period",
    String(c.period),
    "--warmup",
    String(c.warmup),
    "--measure",
    String(c.measure),
  ];
  const cpuRuns = CPU_SUBJECTS.map((id) =>
    subjectRun(id, {
      script: script("cpu.mjs"),
      args: ["--subject", id, ...cpuArgs(p.cpu)],
      estimateMs: p.cpu.warmup + p.cpu.measure + 700,
      note:
        id === "floor-als"
          ? "the platform's AsyncLocalStorage tax on Node 20/22: every promise pays once ALS has been used"
          : undefined,
    }),
  );
  // croner cannot tick every 10 ms: it and the floor also run at its one-second resolution.
  for (const id of ["floor-delay", "croner"]) {
    cpuRuns.push(
      subjectRun(id, {
        key: `${id}@1s`,
        label: `${SUBJECTS[id].label}, ${p.cpuSlow.timers} timers every 1 s`,
        floorKey: "floor-delay@1s",
        group: "1s",
        script: script("cpu.mjs"),
        args: ["--subject", id, ...cpuArgs(p.cpuSlow), "--align"],
        estimateMs: p.cpuSlow.warmup + p.cpuSlow.measure + 2000,
      }),
    );
  }
  if (node24 !== undefined) {
    for (const id of ["floor-delay", "floor-als", "timer-delay", "timer-rate", "floor-rate"]) {
      cpuRuns.push(
        subjectRun(id, {
          key: `${id}@node24`,
          label: `${SUBJECTS[id].label} — Node 24`,
          floorKey: `${SUBJECTS[id].floor}@node24`,
          group: "node24",
          node: node24,
          script: script("cpu.mjs"),
          args: ["--subject", id, ...cpuArgs(p.cpu)],
          estimateMs: p.cpu.warmup + p.cpu.measure + 700,
        }),
      );
    }
  }
  for (const run of cpuRuns) {
    if (run.ours) run.targets = { value: all(ratioAtMost(1.3), beatsPeers("lower")) };
  }

  const idleRuns = (name, extraArgs, estimate) =>
    IDLE_SUBJECTS.map((id) => {
      const timers = id === "croner" ? p[name].cronerTimers : p[name].timers;
      return subjectRun(id, {
        floorKey: "floor-delay",
        script: script(`${name}.mjs`),
        flags: ["--expose-gc"],
        args: ["--subject", id, "--timers", String(timers), ...extraArgs],
        estimateMs: estimate(id),
        note:
          id === "croner" && timers !== p[name].timers
            ? `${timers.toLocaleString("en")} jobs, not ${p[name].timers.toLocaleString("en")}: each croner job holds a 10,000-entry year table (~84 KB) and takes ~0.3 ms to build`
            : id === "sia-dynamic" && name === "memory"
              ? "cannot tick at start: measured before its first tick"
              : undefined,
        timers,
      });
    });

  const memoryRuns = idleRuns("memory", [], (id) =>
    id.startsWith("timer") ? 7000 : id === "effect-spaced" || id === "croner" ? 5000 : 2000,
  );
  for (const run of memoryRuns) {
    run.targets = {
      retained: noLeak,
      ...(run.ours ? { value: all(ratioAtMost(1.5), beatsPeers("lower")) } : {}),
    };
    if (run.subject === "toad") {
      run.notes = {
        retained:
          "removeById() stops the job and drops it from the registry, but the interval engine's job list keeps it",
      };
    }
  }

  const throughputRuns = idleRuns("throughput", ["--passes", String(p.throughput.passes)], (id) =>
    id.startsWith("timer") ? 4000 : id === "effect-spaced" ? 3000 : id === "croner" ? 2000 : 1200,
  );

  const fanout = p.fanout;
  const fanoutEstimate = { push: 2000, "floor-push": 1500, consumed: 3000, "floor-consumed": 1200 };
  const fanoutRun = (key, label, variant, ticks, extra = {}) => ({
    key,
    subject: key,
    label,
    group: "main",
    script: script("fanout.mjs"),
    flags: ["--expose-gc"],
    args: [
      "--variant",
      variant,
      "--subscribers",
      String(fanout.subscribers),
      "--ticks",
      String(ticks),
    ],
    estimateMs: fanoutEstimate[variant] ?? 3000,
    ...extra,
  });
  const fanoutRuns = [
    fanoutRun(
      "push",
      `Timer → ${fanout.subscribers.toLocaleString("en")} subscriptions, values queued (nobody reading yet)`,
      "push",
      fanout.pushTicks,
      { ours: true, floorKey: "floor-push", targets: { value: atMost(100, "ns") } },
    ),
    fanoutRun(
      "floor-push",
      `hand-written: ${fanout.subscribers.toLocaleString("en")} arrays pushed per tick (floor)`,
      "floor-push",
      fanout.pushTicks,
      { isFloor: true, floorKey: "floor-push" },
    ),
    fanoutRun(
      "consumed",
      `Timer → ${fanout.subscribers.toLocaleString("en")} subscriptions, each read by a for-await consumer`,
      "consumed",
      fanout.consumedTicks,
      { ours: true, floorKey: "floor-consumed" },
    ),
    fanoutRun(
      "floor-consumed",
      "hand-written async-iterator queue per consumer (floor)",
      "floor-consumed",
      fanout.consumedTicks,
      { isFloor: true, floorKey: "floor-consumed" },
    ),
    fanoutRun(
      "floor-consumed-als",
      "the same hand-written queues, AsyncLocalStorage enabled in the process",
      "floor-consumed",
      fanout.consumedTicks,
      { isFloor: true, floorKey: "floor-consumed", args2: ["--als"] },
    ),
    {
      ...fanoutRun(
        "bounded",
        `one subscription, maxsize 100, ${fanout.boundedTicks.toLocaleString("en")} ticks: ns/push in the 2nd half ÷ 1st half`,
        "bounded",
        fanout.boundedTicks,
        { ours: true, unit: "×", targets: { value: atMost(1.5, "×") } },
      ),
      estimateMs: (fanout.boundedTicks / 1e6) * 3500 + 500,
    },
  ];
  for (const run of fanoutRuns) if (run.args2) run.args.push(...run.args2);

  const a = p.accuracy;
  const accuracyRuns = RATE_SUBJECTS.map((id) =>
    subjectRun(id, {
      floorKey: undefined,
      script: script("accuracy.mjs"),
      args: [
        "--subject",
        id,
        "--period",
        String(a.period),
        "--ticks",
        String(a.ticks),
        "--work",
        String(a.work),
      ],
      estimateMs: a.ticks * a.period + 700,
      targets: { last: lateBelow(5) },
    }),
  );

  const v = p.virtual;
  const virtualRun = (key, label, extra = {}) => ({
    key,
    subject: key,
    label,
    group: "main",
    floorKey: "floor-sinon",
    script: script("virtual-time.mjs"),
    args: ["--variant", key, "--ticks", String(v.ticks)],
    estimateMs: 1000,
    ...extra,
  });
  const virtualRuns = [
    virtualRun("timer-virtual", "Timer on VirtualClock, advance()", {
      ours: true,
      targets: { value: ratioAtMost(0.1) },
      note: "target: ≥ 10× faster than the floor under fake-timers, i.e. ≤ 0.1× its time",
    }),
    virtualRun(
      "floor-sinon",
      "raw setTimeout loop under @sinonjs/fake-timers tickAsync() (floor)",
      {
        isFloor: true,
      },
    ),
    virtualRun("timer-sinon", "Timer under @sinonjs/fake-timers tickAsync()"),
    virtualRun("floor-virtual", "raw loop on VirtualClock.setWake(): the clock's own cost"),
  ];

  return [
    {
      id: "cpu",
      number: 1,
      title: "CPU per tick",
      description: `${p.cpu.timers} timers every ${p.cpu.period} ms, trivial async target; µs of process CPU (user+system) per executed tick, over ${p.cpu.measure} ms after ${p.cpu.warmup} ms of warm-up`,
      figures: [{ id: "value", title: "CPU per tick", unit: "µs", ratio: true, better: "lower" }],
      runs: cpuRuns,
      unavailable: [
        {
          subject: "croner",
          label: SUBJECTS.croner.label,
          figure: "value",
          reason:
            "cannot run every 10 ms: patterns have one-second resolution and `interval` counts whole seconds; measured at 1 s below",
        },
      ],
    },
    {
      id: "memory",
      number: 2,
      title: "Memory",
      description: `${p.memory.timers.toLocaleString("en")} started timers, 1-hour delay, each ticked once where the library can; heap after GC ÷ timers. Then all cancelled and dropped, and the cycle run again: the heap the second cycle leaves beyond the first, ÷ timers, is what cancel fails to return (leak check)`,
      concurrency: 2,
      figures: [
        { id: "value", title: "heap per idle timer", unit: "B", ratio: true, better: "lower" },
        {
          id: "retained",
          title: "retained after cancel",
          unit: "B",
          ratio: false,
          better: "lower",
        },
      ],
      runs: memoryRuns,
    },
    {
      id: "throughput",
      number: 3,
      title: "Start+cancel throughput",
      description: `${p.throughput.timers.toLocaleString("en")} timers (1-hour delay) constructed and started, then all cancelled (awaited); ops/s, median of ${p.throughput.passes} pass${p.throughput.passes === 1 ? "" : "es"} after a warm-up pass`,
      figures: [
        { id: "value", title: "start+cancel", unit: "ops/s", ratio: true, better: "higher" },
      ],
      runs: throughputRuns,
    },
    {
      id: "fanout",
      number: 4,
      title: "Fan-out",
      description: `one timer on the virtual clock, ${fanout.subscribers.toLocaleString("en")} subscribers: ns per delivered value (${fanout.pushTicks} ticks queued; ${fanout.consumedTicks} ticks consumed); and a bounded subscription under ${fanout.boundedTicks.toLocaleString("en")} ticks`,
      figures: [{ id: "value", title: "per value", unit: "ns", ratio: true, better: "lower" }],
      runs: fanoutRuns,
    },
    {
      id: "accuracy",
      number: 5,
      title: "Fixed-rate accuracy",
      description: `one timer every ${a.period} ms for ${a.ticks} ticks, ~${a.work} ms of synchronous work per tick; lateness of tick i = its start − slot i of the ${a.period} ms grid through the earliest tick (so ≥ 0, and a constant offset does not count); gaps of ≥ 1.5 periods (a stall, or a skipped slot) are counted in the detail line`,
      figures: [
        { id: "last", title: "last tick's lateness", unit: "ms", ratio: false, better: "lower" },
        { id: "p50", title: "p50 lateness", unit: "ms", ratio: false, better: "lower" },
        { id: "p99", title: "p99 lateness", unit: "ms", ratio: false, better: "lower" },
      ],
      runs: accuracyRuns,
      unavailable: [
        {
          subject: "croner",
          label: SUBJECTS.croner.label,
          figure: "last",
          reason: "cannot run every 10 ms (one-second resolution)",
        },
      ],
    },
    {
      id: "virtual",
      number: 6,
      title: "Virtual time",
      description: `wall time to simulate ${v.ticks.toLocaleString("en")} ticks of a one-second timer`,
      figures: [{ id: "value", title: "wall time", unit: "ms", ratio: true, better: "lower" }],
      runs: virtualRuns,
    },
    {
      id: "size",
      number: 7,
      title: "Size",
      description:
        "an entry that starts and stops one loop, bundled by esbuild (browser, ESM, minified), gzipped at level 9; runtime dependencies installed with the package (transitive)",
      figures: [{ id: "value", title: "min+gz", unit: "B", ratio: false, better: "lower" }],
      runs: [],
      once: true,
    },
    {
      id: "worker",
      number: 8,
      title: "Worker control",
      description:
        "`triggerSync()` round trip and a remote read against raw MessagePort + Atomics, measured by bench/worker-control/worker-control.mjs (owned by the node-threads work) in one process with a worker thread: each of its rounds times both sides back to back, and the ratio is the median of the per-round ratios",
      figures: [],
      runs: [],
      once: true,
    },
  ];
}
