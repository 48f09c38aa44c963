#!/usr/bin/env node
/**
 * `node bench/render.mjs [--add DIR]`: writes bench/results/latest.md again from latest.json,
 * and the root README's Benchmarks section — for when the report's wording (causes, plans)
 * changed but the figures did not, so that a 45-minute run is not repeated to re-word
 * it. `--add DIR` first copies into the published results the metrics of DIR/latest.json (a
 * `pnpm bench --metric …` run, written to results/partial/) that they lack or that DIR measured
 * later, and says so in the results' notes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./lib/child.mjs";
import { updateReadme } from "./lib/readme.mjs";
import { renderMarkdown } from "./lib/report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, "results");
const read = (from) => JSON.parse(readFileSync(join(from, "latest.json"), "utf8"));
const results = read(dir);
const args = parseArgs();
if (args.add !== undefined) {
  const added = read(resolve(String(args.add)));
  for (const [id, metric] of Object.entries(added.metrics)) {
    results.metrics[id] = metric;
    // A metric measured again replaces its rows, and the note of where the old ones came from.
    const from = `Metric ${metric.number} (${metric.title}) comes from a separate run:`;
    results.notes = results.notes.filter((note) => !note.startsWith(from));
    results.notes.push(
      `Metric ${metric.number} (${metric.title}) comes from a separate run: \`${added.command}\`, ${added.generatedAt}, ${added.machine.cpu}, ${added.machine.cores} cores, load average ${added.machine.loadAverageAtStart?.[0]} at its start.`,
    );
  }
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
}
const markdown = renderMarkdown(results);
writeFileSync(join(dir, "latest.md"), markdown);
console.log(`wrote ${join(dir, "latest.md")}`);
if (updateReadme(join(here, "..", "README.md"), markdown)) {
  console.log("updated the Benchmarks section of README.md");
}
