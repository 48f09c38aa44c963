#!/usr/bin/env node
/**
 * `node bench/instructions/count.mjs [--node 24] [--timers 20000]`: instructions per start+cancel
 * (metric 5's work), ours and the floor's, counted by valgrind's callgrind — for comparing two
 * builds of core, which a rate cannot do below ~20% (it moves 1.5–2× between rounds). Under
 * `--predictable` (V8 single-threaded and deterministic) a count repeats exactly for one build
 * and workload, so run it before and after a change. Each subject runs 4 and 12 passes; per op =
 * the difference ÷ (8 × timers), leaving out start-up and the first passes' compilation. The
 * steady state's collections are counted, and where they fall moves a count by up to ~15% when
 * the workload changes (other `--timers`, another subject): read floor and ours side by side as
 * context, not as metric 5's ratio. Needs valgrind (`apt-get install valgrind`); a few minutes.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "../lib/child.mjs";
import { ensureNode } from "../lib/nodes.mjs";

const args = parseArgs();
const major = Number(args.node ?? 24);
const timers = Number(args.timers ?? 20_000);
const found = ensureNode(major);
if (found.error !== undefined) throw new Error(found.error);
const workload = join(dirname(fileURLToPath(import.meta.url)), "start-cancel.mjs");

/** Instructions valgrind counted for one run of the workload. */
function refs(subject, passes) {
  const run = spawnSync(
    "valgrind",
    [
      "--tool=callgrind",
      "--callgrind-out-file=/dev/null",
      found.node,
      "--predictable",
      "--max-semi-space-size=64",
      workload,
      subject,
      String(timers),
      String(passes),
    ],
    { encoding: "utf8" },
  );
  const match = /I\s+refs:\s+([\d,]+)/.exec(run.stderr ?? "");
  if (run.status !== 0 || match === null) {
    throw new Error(
      `valgrind gave no count for ${subject} (is valgrind installed?): ${run.error ?? run.stderr}`,
    );
  }
  return Number(match[1].replaceAll(",", ""));
}

const perOp = {};
for (const subject of ["floor", "ours"]) {
  perOp[subject] = Math.round((refs(subject, 12) - refs(subject, 4)) / (8 * timers));
  console.log(`${subject}: ${perOp[subject].toLocaleString("en")} instructions per start+cancel`);
}
