#!/usr/bin/env node
/**
 * `pnpm soak`: thousands of timers under random churn for a while, then the checks of issue #7
 * (see soak/child.mjs). The soak runs in a child process (with --expose-gc), so this parent can
 * check the last one: once everything is cancelled, the child exits by itself.
 *
 *   pnpm soak                           10,000 timers, 60 s
 *   pnpm soak --duration 300 --timers 20000 --seed 42
 *   pnpm soak --warmup 20                 seconds of churn before the heap's reference level
 *                                         (default: a quarter of the run, at least 2 s)
 *   pnpm soak --json                    print the whole result as JSON
 *
 * Exits 0 when every check passes, 1 otherwise.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, RESULT_MARK } from "./lib/child.mjs";

const EXIT_GRACE_MS = 10_000;

const args = parseArgs();
const duration = Number(args.duration ?? 60);
const timers = Number(args.timers ?? 10_000);
if (!(duration > 0) || !(Number.isInteger(timers) && timers > 0)) {
  console.error(
    "usage: pnpm soak [--duration seconds] [--timers count] [--warmup seconds] [--seed n] [--json]",
  );
  process.exit(2);
}

const script = join(dirname(fileURLToPath(import.meta.url)), "soak", "child.mjs");
const childArgs = [
  "--expose-gc",
  script,
  "--duration",
  String(duration),
  "--timers",
  String(timers),
];
if (args.seed !== undefined) childArgs.push("--seed", String(args.seed));
if (args.warmup !== undefined) childArgs.push("--warmup", String(args.warmup));

console.log(`soak: ${timers.toLocaleString("en")} timers, ${duration} s of churn`);
const child = spawn(process.execPath, childArgs, { stdio: ["ignore", "pipe", "inherit"] });
let result;
let exitReport;
let reportedAt;
let buffer = "";
let killedForHanging = false;
let hangTimer;
child.stdout.setEncoding("utf8").on("data", (chunk) => {
  buffer += chunk;
  let newline = buffer.indexOf("\n");
  while (newline >= 0) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    if (line.startsWith(RESULT_MARK)) {
      result = JSON.parse(line.slice(RESULT_MARK.length));
      reportedAt = performance.now();
      // Everything is cancelled now: the child must exit by itself, promptly.
      hangTimer = setTimeout(() => {
        killedForHanging = true;
        child.kill("SIGKILL");
      }, EXIT_GRACE_MS);
    } else if (line.startsWith("@@soak-exit ")) {
      exitReport = JSON.parse(line.slice("@@soak-exit ".length));
    } else if (line.length > 0) {
      console.log(line);
    }
    newline = buffer.indexOf("\n");
  }
});

const [code, signal] = await new Promise((resolve) => {
  child.on("close", (c, s) => resolve([c, s]));
});
clearTimeout(hangTimer);
const exitMs = reportedAt === undefined ? undefined : Math.round(performance.now() - reportedAt);

const failures = [];
if (result === undefined)
  failures.push(`the soak crashed before reporting (exit ${code ?? signal})`);
else {
  for (const v of result.violationSamples) failures.push(`${v.kind}: ${v.detail}`);
  if (result.violations > result.violationSamples.length) {
    failures.push(`… and ${result.violations - result.violationSamples.length} more violations`);
  }
  for (const u of result.unhandled) failures.push(`unhandled: ${u}`);
  if (killedForHanging) {
    failures.push(
      `the process did not exit by itself within ${EXIT_GRACE_MS / 1000} s after everything was cancelled (active resources at the report: ${result.activeResources.join(", ") || "none"})`,
    );
  } else if (code !== 0) failures.push(`the soak process exited ${code ?? signal}`);
  if (exitReport !== undefined && exitReport.unhandled > result.unhandledRejections) {
    failures.push(
      `${exitReport.unhandled - result.unhandledRejections} unhandled rejection(s) after the report`,
    );
  }
}

if (args.json) console.log(JSON.stringify({ ...result, exitMs, failures }, null, 2));
else if (result !== undefined) printFigures(result);
if (failures.length > 0) {
  console.log(`\nsoak FAILED (seed ${result?.seed}; replay with --seed ${result?.seed}):`);
  for (const f of failures) console.log(`  - ${f}`);
  process.exit(1);
}
console.log(
  `\nsoak passed (seed ${result.seed}); the process exited by itself ${exitMs} ms after the report`,
);

function printFigures(r) {
  const s = r.stats;
  const n = (x) => Number(x).toLocaleString("en");
  const h = r.heap;
  console.log(
    [
      "",
      `timers ${n(r.timers)}, ${r.durationSeconds} s (warm-up ${r.warmupSeconds} s), seed ${r.seed}`,
      `ticks ${n(s.ticks)}; target errors ${n(s.targetErrors)}; churn CPU ${n(s.churnCpuMs)} ms`,
      `ops: ${Object.entries(s.ops)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(", ")}; replaced ${n(s.replaced)}, aborted ${n(s.aborted)}`,
      `subscriptions ${n(s.subscriptions)}: ${n(s.delivered)} values delivered in order, ${n(s.dropped)} dropped`,
      `trigger ${n(s.triggers.ok)} ok / ${n(s.triggers.rejected)} rejected; join ${n(s.joins.ok)} ok / ${n(s.joins.rejected)} rejected; start refused (single-run) ${n(s.startRefused)}`,
      `log lines: ${n(s.logs.warn)} warn, ${n(s.logs.error)} error (counted, not printed)`,
      `heap after GC: ${h.afterWarmupMiB.toFixed(2)} MiB after warm-up → ${h.atEndMiB.toFixed(2)} MiB at the end (${h.changePercent >= 0 ? "+" : ""}${h.changePercent.toFixed(2)}%, tolerance ±${h.tolerancePercent}%); range ${Math.min(...h.samples.map((x) => x.heap))}–${Math.max(...h.samples.map((x) => x.heap))} MiB over ${h.samples.length} samples`,
      `wind-down ${n(r.windDownMs)} ms; ${n(r.signalsChecked)} AbortSignals checked; unhandled rejections ${r.unhandledRejections}; active resources after cancel: ${r.activeResources.join(", ") || "none"}`,
      `shared cancelOn promise and signal: ${r.shared.retainedPerTimer.toFixed(1)} B retained per timer over ${n(r.shared.timers)} more started and cancelled (limit 32 B); ${r.shared.listenersLeft} listener(s) left on the signal`,
    ].join("\n"),
  );
}
