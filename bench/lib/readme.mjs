/**
 * Keeps the root README's Benchmarks section in step with bench/results/latest.md: the table
 * goes between `<!-- bench:start -->` and `<!-- bench:end -->`. `pnpm bench` calls it after a
 * full run of every metric; `node bench/lib/readme.mjs` does it from the last results.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

/** Replaces what lies between the markers in `file` with `markdown`; false without markers. */
export function updateReadme(file, markdown) {
  const text = readFileSync(file, "utf8");
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) return false;
  // The README has its own "## Benchmarks" heading above the markers.
  const body = markdown.replace(/^## Benchmarks\n+/, "").trim();
  writeFileSync(file, `${text.slice(0, from + START.length)}\n${body}\n${text.slice(to)}`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = fileURLToPath(new URL("../../README.md", import.meta.url));
  const results = fileURLToPath(new URL("../results/latest.md", import.meta.url));
  if (!updateReadme(readme, readFileSync(results, "utf8"))) {
    console.error(`README.md has no ${START} … ${END} section`);
    process.exit(1);
  }
  console.log("updated the Benchmarks section of README.md from bench/results/latest.md");
}
