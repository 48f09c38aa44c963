// @ts-check
/**
 * Lists the public API that has no doc comment and is not in typedoc/known-gaps.mjs — what fails
 * `pnpm docs:build` — by the names that known-gaps.mjs takes:
 * `pnpm --filter async-timer-docs docs:gaps`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { knownUndocumented } from "../typedoc/known-gaps.mjs";
import { docsRoot } from "./workspace.mjs";

const typedoc = join(docsRoot, "node_modules", "typedoc", "bin", "typedoc");
const run = spawnSync(
  process.execPath,
  [
    typedoc,
    "--emit",
    "none",
    "--treatWarningsAsErrors",
    "false",
    "--treatValidationWarningsAsErrors",
    "false",
  ],
  { cwd: docsRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
);
// TypeDoc colours its level tags; strip escapes so the names parse.
const output = stripVTControlCharacters(`${run.stdout}\n${run.stderr}`);
const names = new Set(
  [
    ...output.matchAll(
      /(?:^|\] )(\S+) \(\w+\), defined in (\S+), does not have any documentation/gm,
    ),
  ].map((match) => `${match[1]}\t${match[2]}`),
);
const known = new Set(knownUndocumented);
for (const entry of [...names].sort()) {
  const [name] = entry.split("\t");
  console.log(`${known.has(name ?? "") ? "known  " : "MISSING"} ${entry}`);
}
console.log(
  `${names.size} undocumented, ${[...names].filter((e) => !known.has(e.split("\t")[0] ?? "")).length} not in typedoc/known-gaps.mjs`,
);
