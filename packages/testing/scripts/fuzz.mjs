#!/usr/bin/env node
// `pnpm fuzz`: the property suite with many more cases than CI runs, on the virtual clock, and
// the model-based test with 100,000 call sequences by default. Reports throughput; on a failure,
// prints the counterexample and the one line that replays it, and exits 1.
//
//   node scripts/fuzz.mjs [--runs 2000] [--model 100000] [--only name,name] [--seed 42]
import { parseArgs } from "node:util";
import { virtualClockHarness } from "@async-timer/testing";
import { checkInvariant, invariantNames, timerModel } from "@async-timer/testing/properties";
import fc from "fast-check";

const { values } = parseArgs({
  // `pnpm fuzz -- --runs 10` passes the `--` along: skip it.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    runs: { type: "string", default: "2000" },
    model: { type: "string", default: "100000" },
    only: { type: "string" },
    seed: { type: "string" },
  },
});
const runs = Number(values.runs);
const modelRuns = Number(values.model);
const only = values.only?.split(",");
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const harness = (s) => virtualClockHarness({ seed: s });
const command = "pnpm fuzz";

console.log(
  `fuzzing on the virtual clock: ${runs} cases per invariant, ${modelRuns} model sequences, seed ${seed}\n`,
);
let failed = 0;
const row = (name, count, ms) =>
  console.log(
    `${name.padEnd(30)} ${String(count).padStart(7)} cases ${(ms / 1000).toFixed(1).padStart(7)} s ${Math.round(
      (count * 1000) / ms,
    )
      .toString()
      .padStart(7)} cases/s`,
  );

for (const name of invariantNames) {
  if (only !== undefined && !only.includes(name)) continue;
  const started = performance.now();
  try {
    await checkInvariant(name, harness, {
      numRuns: runs,
      seed,
      command: `${command} --only ${name} --runs ${runs}`,
    });
    row(name, runs, performance.now() - started);
  } catch (error) {
    failed++;
    console.log(`${name.padEnd(30)} FAILED\n${error.message}\n`);
  }
}

if (only === undefined || only.includes("model")) {
  const started = performance.now();
  const details = await fc.check(timerModel(harness), { numRuns: modelRuns, seed });
  if (details.failed) {
    failed++;
    console.log(`model FAILED\n${fc.defaultReportMessage(details)}`);
    console.log(
      `Replay exactly: FC_SEED=${details.seed} FC_PATH="${details.counterexamplePath}" pnpm vitest run --project testing -t "reference model"`,
    );
  } else {
    row("model (API call sequences)", modelRuns, performance.now() - started);
  }
}

console.log(failed === 0 ? "\nall held" : `\n${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
