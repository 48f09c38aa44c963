/**
 * What `pnpm bench` measures: every metric, its runs (one child process per run and round), the
 * figures read from each run's result, and the targets (issue #15's for the hot path, issue #7's
 * for the rest).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hostMajor } from "./nodes.mjs";
import { SUBJECTS } from "./subjects.mjs";

const metricsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "metrics");
const script = (name) => join(metricsDir, name);

/** Sizes of each metric: the full run, and `--quick` (smoke runs). */
export const PARAMETERS = {
  full: {
    rounds: 5,
    cpu: { timers: 1000, period: 10, warmup: 1000, measure: 1500 },
    cpuSlow: { timers: 2000, period: 1000, warmup: 1000, measure: 3000 },
    saturation: { timers: 50_000, period: 10, warmup: 1500, measure: 3000 },
    alloc: { timers: 200, period: 10, warmup: 2500, window: 700, windows: 4, rounds: 3 },
    memory: { timers: 50_000, cronerTimers: 5000 },
    throughput: { timers: 50_000, cronerTimers: 2000, passes: 2 },
    fanout: { subscribers: 10_000, pushTicks: 1000, consumedTicks: 50, boundedTicks: 1_000_000 },
    accuracy: { period: 10, ticks: 500, work: 3 },
    virtual: { ticks: 86_400 },
    lease: { ticks: 300, period: 10, timers: 1000, rounds: 3 },
  },
  quick: {
    rounds: 2,
    cpu: { timers: 1000, period: 10, warmup: 400, measure: 600 },
    cpuSlow: { timers: 1000, period: 1000, warmup: 300, measure: 1000 },
    saturation: { timers: 50_000, period: 10, warmup: 1000, measure: 1500 },
    alloc: { timers: 200, period: 10, warmup: 2000, window: 400, windows: 3, rounds: 2 },
    memory: { timers: 10_000, cronerTimers: 1000 },
    throughput: { timers: 10_000, cronerTimers: 500, passes: 1 },
    fanout: { subscribers: 10_000, pushTicks: 200, consumedTicks: 20, boundedTicks: 200_000 },
    accuracy: { period: 10, ticks: 100, work: 3 },
    virtual: { ticks: 20_000 },
    lease: { ticks: 100, period: 10, timers: 200, rounds: 2 },
  },
};

/**
 * Metrics whose figures depend on the runtime: with `--node 24,26` they run again on each of those
 * Node lines, in a group of rows of their own (compared with the floor and the peers measured on
 * the same Node).
 */
export const PER_RUNTIME = ["cpu", "saturation", "alloc", "memory", "throughput"];

/** Node lines from which AsyncLocalStorage no longer installs a promise hook (AsyncContextFrame). */
const CONTEXT_FRAME_MAJOR = 24;

// ─── Targets ────────────────────────────────────────────────────────────────────────────────

/** The ratio a target is checked on: to the run's `ratioTo` when it has one, else to its floor. */
const targetRatio = (row) => row.targetRatio ?? row.ratio;
const ratioAtMost = (limit, floor = "floor") => ({
  text: `≤ ${limit}× ${floor}`,
  check: (row) => targetRatio(row) !== undefined && targetRatio(row).median <= limit,
});
const ratioAtLeast = (limit) => ({
  text: `≥ ${limit}× floor`,
  check: (row) => row.ratio !== undefined && row.ratio.median >= limit,
});
const atMost = (limit, unit) => ({
  text: unit === "×" ? `≤ ${limit}×` : `≤ ${limit.toLocaleString("en")} ${unit}`,
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
/**
 * No allocation per tick beyond what the target's own call allocates. The reading is exact to a
 * fraction of a byte per tick (see metrics/alloc.mjs); V8 installing optimised code during a
 * window can add a byte or two per tick, hence the 2 B allowance.
 */
const zeroBeyondTarget = {
  text: "0 B beyond the target's own (≤ 2 B: the reading's noise)",
  check: (row) => row.median <= 2,
};
const all = (...targets) => ({
  text: targets.map((t) => t.text).join(", "),
  check: (row, rows) => targets.every((t) => t.check(row, rows)),
});

/** Issue #15's size targets, min+gz bytes (1 KB = 1,000 B, as size-limit counts). */
export const SIZE_TARGETS = {
  "timer-delay": atMost(6000, "B"),
  "core-all": atMost(7500, "B"),
};

// ─── Runs ───────────────────────────────────────────────────────────────────────────────────

function subjectRun(id, extra = {}) {
  const subject = SUBJECTS[id];
  return {
    key: id,
    subject: id,
    label: subject.label,
    floorKey: subject.floor,
    ours: subject.ours === true,
    peer: subject.ours !== true && subject.isFloor !== true && subject.reference !== true,
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
/** croner cannot tick every 10 ms (one-second resolution); the floors with ALS run on Node 20/22. */
const SATURATION_SUBJECTS = CPU_SUBJECTS.filter((id) => id !== "floor-als");
const ALLOC_SUBJECTS = ["floor-delay", "floor-rate", "ref-refresh", "timer-delay", "timer-rate"];
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
 * A runtime the per-runtime metrics run on: the Node running the harness (group "main"), or one
 * asked for with `--node` (group `node<major>`).
 *
 * @typedef {object} Runtime
 * @property {number} major
 * @property {string} [node]     the binary; the harness's own when absent
 * @property {string} [version]  e.g. "v24.22.3"
 */

/**
 * @param {"full" | "quick"} size
 * @param {{ runtimes?: Runtime[], hostMajor?: number }} options  runtimes: the extra Node lines
 *   (`--node`), besides the host's; hostMajor: the host's major (this process's by default)
 */
export function buildPlan(size, { runtimes = [], hostMajor: host = hostMajor } = {}) {
  const p = PARAMETERS[size];
  const all_ = [{ major: host }, ...runtimes.filter((r) => r.major !== host)];
  const several = all_.length > 1;
  const groups = all_.map((runtime, i) => {
    const main = i === 0;
    const suffix = main ? "" : `@node${runtime.major}`;
    return {
      ...runtime,
      main,
      group: main ? "main" : `node${runtime.major}`,
      // The keys of the host's rows are the subjects' ids (so `--only` and earlier results keep
      // working); another Node's carry `@node<major>`.
      key: (id) => `${id}${suffix}`,
      label: (text) => (several ? `${text} — Node ${runtime.major}` : text),
      // On Node 20/22 ALS taxes every promise once used: the floors with ALS on show that share.
      hook: runtime.major < CONTEXT_FRAME_MAJOR,
    };
  });
  /** One run of a subject on each runtime; `subjects(g)` lists the subjects for that runtime. */
  const perRuntime = (subjects, make) =>
    groups.flatMap((g) =>
      subjects(g).map((id) => {
        const run = subjectRun(id, make(id, g));
        return {
          ...run,
          key: g.key(id),
          label: g.label(run.label),
          floorKey: run.floorKey === undefined ? undefined : g.key(run.floorKey),
          group: g.group,
          ...(g.main ? {} : { node: g.node }),
        };
      }),
    );
  const alsNote = (g) =>
    g.hook
      ? "AsyncLocalStorage's tax on Node 20/22: every promise pays once ALS has been used"
      : "AsyncLocalStorage used once: with AsyncContextFrame, promises pay nothing for it";
  /** The subjects plus, on Node 20/22, the floors with ALS on (once each). */
  const withAls = (ids, g) =>
    g.hook ? [...new Set([...ids, "floor-als", "floor-rate-als"])] : ids;

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
  const cpuRuns = perRuntime(
    (g) => withAls(CPU_SUBJECTS, g),
    (id, g) => ({
      script: script("cpu.mjs"),
      args: ["--subject", id, ...cpuArgs(p.cpu)],
      estimateMs: p.cpu.warmup + p.cpu.measure + 700,
      note: id.endsWith("-als") ? alsNote(g) : undefined,
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
  for (const run of cpuRuns) {
    if (!run.ours) continue;
    const g = groups.find((x) => x.group === run.group);
    if (g.hook) {
      // Node 20/22: measured against the same loop paying the same ALS tax.
      run.ratioTo = g.key(run.subject === "timer-rate" ? "floor-rate-als" : "floor-als");
      run.targets = { value: ratioAtMost(1.25, "floor with ALS") };
    } else {
      run.targets = { value: all(ratioAtMost(1.2), beatsPeers("lower")) };
    }
  }

  const s = p.saturation;
  const saturationRuns = perRuntime(
    (g) => withAls(SATURATION_SUBJECTS, g),
    (id) => ({
      script: script("saturation.mjs"),
      args: [
        "--subject",
        id,
        "--timers",
        String(s.timers),
        "--period",
        String(s.period),
        "--warmup",
        String(s.warmup),
        "--measure",
        String(s.measure),
      ],
      // Starting 50,000 timers and the process's exit take about a second more.
      estimateMs: s.warmup + s.measure + 1200,
      targets: SUBJECTS[id].ours ? { value: ratioAtLeast(0.6), p99: ratioAtMost(2) } : undefined,
    }),
  );

  const al = p.alloc;
  const allocRuns = perRuntime(
    (g) => withAls(ALLOC_SUBJECTS, g),
    (id) => ({
      script: script("alloc.mjs"),
      // A 64 MB young generation: a window of ticks fits in it with no collection.
      flags: ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"],
      args: [
        "--subject",
        id,
        "--timers",
        String(al.timers),
        "--period",
        String(al.period),
        "--warmup",
        String(al.warmup),
        "--window",
        String(al.window),
        "--windows",
        String(al.windows),
      ],
      estimateMs: al.warmup + al.windows * (al.window + 60) + 600,
      targets: SUBJECTS[id].ours ? { beyond: zeroBeyondTarget } : undefined,
    }),
  );

  const idleRuns = (name, extraArgs, estimate) =>
    perRuntime(
      () => IDLE_SUBJECTS,
      (id) => {
        const timers = id === "croner" ? p[name].cronerTimers : p[name].timers;
        return {
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
        };
      },
    );

  const memoryRuns = idleRuns("memory", [], (id) =>
    id.startsWith("timer") ? 7000 : id === "effect-spaced" || id === "croner" ? 5000 : 2000,
  );
  for (const run of memoryRuns) {
    run.targets = {
      retained: noLeak,
      ...(run.ours ? { value: atMost(450, "B") } : {}),
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
  for (const run of throughputRuns) {
    if (run.ours) run.targets = { value: ratioAtLeast(0.6) };
  }

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

  const l = p.lease;
  /** The holder's cost on each engine, against the same timer without a lease (the floor). */
  const leaseRun = (engine, label, extra = {}) => ({
    key: `lease-${engine}`,
    subject: `lease-${engine}`,
    label,
    group: "main",
    floorKey: "lease-none",
    script: script("lease.mjs"),
    args: ["--engine", engine, "--ticks", String(l.ticks), "--period", String(l.period)],
    estimateMs: l.ticks * l.period + 1500,
    ...extra,
  });
  // "Exactly one round trip per slot for the holder" (issue #18); a window's edges can count the
  // claim of a tick outside it, one in 300 (1.003): 2 % is the allowance for that, not for a
  // second round trip on any regular slot (which would read 2).
  const oneTrip = { trips: atMost(1.02, "trips") };
  const leaseRuns = [
    leaseRun("none", `one fixed_rate timer every ${l.period} ms, no lease (floor)`, {
      isFloor: true,
    }),
    leaseRun("memory", "the same, memoryLease()", { ours: true }),
    leaseRun("postgres", "the same, postgresLease() on a pg Pool", {
      ours: true,
      targets: oneTrip,
    }),
    leaseRun("ioredis", "the same, redisLease() on ioredis", { ours: true, targets: oneTrip }),
    leaseRun("node-redis", "the same, redisLease() on node-redis v5", {
      ours: true,
      targets: oneTrip,
    }),
    {
      ...leaseRun(
        "postgres-many",
        `${l.timers.toLocaleString("en")} leased timers every 1 s on one pg Pool (10 connections), each its own lease`,
        { ours: true, floorKey: undefined, targets: oneTrip },
      ),
      args: ["--engine", "postgres", "--timers", String(l.timers)],
      estimateMs: 10_000,
    },
    // Claims batched per connection or not: does batching help at 1,000 timers? (issue #18)
    ...[
      ["ioredis", "on one ioredis client, each claim its own write"],
      [
        "ioredis-pipelined",
        "on one ioredis client with auto-pipelining: a turn's claims in one write",
      ],
      ["node-redis", "on one node-redis v5 client (pipelines a turn's commands by itself)"],
    ].map(([engine, how]) => ({
      ...leaseRun(
        `${engine}-many`,
        `${l.timers.toLocaleString("en")} leased timers every 1 s ${how}, each its own lease`,
        { ours: true, floorKey: undefined, targets: oneTrip },
      ),
      args: ["--engine", engine, "--timers", String(l.timers)],
      estimateMs: 10_000,
    })),
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
      id: "saturation",
      number: 2,
      title: "Saturation",
      description: `${s.timers.toLocaleString("en")} timers every ${s.period} ms, trivial async target, more than one process can run: ticks each timer executed per second (${1000 / s.period} is a perfect schedule) and the event loop's lag (\`monitorEventLoopDelay\`, 1 ms resolution, p99 in ms), over ${s.measure} ms after ${s.warmup} ms of warm-up`,
      figures: [
        {
          id: "value",
          title: "ticks per timer per second",
          unit: "/s",
          ratio: true,
          better: "higher",
        },
        { id: "p99", title: "event-loop lag p99", unit: "ms", ratio: true, better: "lower" },
      ],
      runs: saturationRuns,
      unavailable: [
        {
          subject: "croner",
          label: SUBJECTS.croner.label,
          figure: "value",
          reason: "cannot run every 10 ms (one-second resolution)",
        },
      ],
    },
    {
      id: "alloc",
      number: 3,
      title: "Allocation per tick",
      description: `${al.timers} timers every ${al.period} ms, trivial async target (\`async () => { n++ }\`, whose own call allocates its promise); heap bytes allocated per executed tick in the steady state: the growth of V8's \`used_heap_size\` over a window with no garbage collection (a 64 MB young generation; a window that overlaps a collection is discarded), ÷ ticks in it, the least of ${al.windows} windows (${al.rounds} rounds at most: the reading is exact to a fraction of a byte). "Beyond the target's own" subtracts the bytes one call of the target allocates, measured in the same process`,
      figures: [
        { id: "value", title: "heap allocated per tick", unit: "B", ratio: true, better: "lower" },
        {
          id: "beyond",
          title: "beyond the target's own",
          unit: "B",
          ratio: false,
          better: "lower",
        },
      ],
      runs: allocRuns,
      // The reading is exact to a fraction of a byte: more rounds would add time, not confidence.
      maxRounds: al.rounds,
    },
    {
      id: "memory",
      number: 4,
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
      number: 5,
      title: "Start+cancel throughput",
      description: `${p.throughput.timers.toLocaleString("en")} timers (1-hour delay) constructed and started, then all cancelled (awaited); ops/s, median of ${p.throughput.passes} pass${p.throughput.passes === 1 ? "" : "es"} after a warm-up pass`,
      figures: [
        { id: "value", title: "start+cancel", unit: "ops/s", ratio: true, better: "higher" },
      ],
      runs: throughputRuns,
    },
    {
      id: "fanout",
      number: 6,
      title: "Fan-out",
      description: `one timer on the virtual clock, ${fanout.subscribers.toLocaleString("en")} subscribers: ns per delivered value (${fanout.pushTicks} ticks queued; ${fanout.consumedTicks} ticks consumed); and a bounded subscription under ${fanout.boundedTicks.toLocaleString("en")} ticks`,
      figures: [{ id: "value", title: "per value", unit: "ns", ratio: true, better: "lower" }],
      runs: fanoutRuns,
    },
    {
      id: "accuracy",
      number: 7,
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
      number: 8,
      title: "Virtual time",
      description: `wall time to simulate ${v.ticks.toLocaleString("en")} ticks of a one-second timer`,
      figures: [{ id: "value", title: "wall time", unit: "ms", ratio: true, better: "lower" }],
      runs: virtualRuns,
    },
    {
      id: "size",
      number: 9,
      title: "Size",
      description:
        "an entry that starts and stops one loop, bundled by esbuild (browser, ESM, minified), gzipped at level 9; runtime dependencies installed with the package (transitive)",
      figures: [{ id: "value", title: "min+gz", unit: "B", ratio: false, better: "lower" }],
      runs: [],
      once: true,
    },
    {
      id: "worker",
      number: 10,
      title: "Worker control",
      description:
        "`triggerSync()` round trip and a remote read against raw MessagePort + Atomics, measured by bench/worker-control/worker-control.mjs (owned by the node-threads work) in one process with a worker thread: each of its rounds times both sides back to back, and the ratio is the median of the per-round ratios",
      figures: [],
      runs: [],
      once: true,
    },
    {
      id: "lease",
      number: 11,
      title: "Leased tick",
      description: `what \`@async-timer/lease\` adds to a tick of its holder: one fixed_rate timer every ${l.period} ms, the only replica, ${l.ticks} ticks after it holds the lease; µs of this process's CPU per tick (the engine's own not counted) and round trips to the engine per tick; then ${l.timers.toLocaleString("en")} leased timers on one PostgreSQL pool, and on one Redis client with and without claims pipelined per connection (ticks/s in the detail line). Needs the engines of the lease tests (PostgreSQL on 127.0.0.1:5432, Redis on 6379, or ASYNC_TIMER_PG_URL / ASYNC_TIMER_REDIS_URL)`,
      figures: [
        { id: "value", title: "CPU per tick", unit: "µs", ratio: true, better: "lower" },
        {
          id: "trips",
          title: "round trips per tick",
          unit: "trips",
          ratio: false,
          better: "lower",
        },
      ],
      runs: leaseRuns,
      maxRounds: l.rounds,
    },
  ];
}
