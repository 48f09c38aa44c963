// @ts-check
/**
 * Size budgets (minified + gzipped, as bundled by esbuild) for each published package's main
 * entry, measured on `dist/` (run `pnpm build` first): `pnpm --filter async-timer-docs check:size`.
 * Packages are found by scripts/workspace.mjs; a new one fails here until it gets a budget line.
 * Each package is measured without the other @async-timer packages it imports (they have
 * budgets of their own).
 */
import { join } from "node:path";
import { publishedPackages } from "./scripts/workspace.mjs";

/**
 * Budget of the whole main entry (`import *`), and of single exports where they matter.
 * @type {Record<string, { all: string, exports?: Record<string, string> }>}
 */
const BUDGETS = {
  // Issue #6 asks for at most 4 kB for core's whole API and less for Timer alone; not met. Core
  // measures 9.54 kB and Timer 8.74 kB; these budgets sit 1–2 % above, to catch regressions.
  // Where the bytes go (`pnpm --filter async-timer-docs size:breakdown`: gzipped bytes each
  // module adds to the whole): timer 1.7 kB, runner 1.5, machine 1.5, group, fanout 0.6 each,
  // subscription 0.5, options 0.4, the rest 1.7. The first three alone exceed 4 kB, so the
  // target needs a smaller design, not trimming: with every message replaced by a short code
  // and every property name mangled, the same code is still 8.1 kB.
  "@async-timer/core": { all: "9.65 kB", exports: { Timer: "8.85 kB", every: "9 kB" } },
  "@async-timer/testing": { all: "3 kB" },
  "@async-timer/decorators": { all: "2.5 kB" },
  "@async-timer/node-threads": { all: "10 kB" },
};

const packages = publishedPackages();
const siblings = packages.map((pkg) => pkg.name);

export default packages.flatMap((pkg) => {
  const budget = BUDGETS[pkg.name];
  if (budget === undefined) {
    throw new Error(`no size budget for ${pkg.name}: add one to apps/docs/.size-limit.js`);
  }
  const common = {
    path: join(pkg.dir, "dist", "index.js"),
    gzip: true,
    ignore: [...siblings.filter((name) => name !== pkg.name), "fast-check"],
    // A package built on Node's modules (node-threads) is bundled for Node, built-ins left out.
    ...(pkg.nodeOnly && {
      modifyEsbuildConfig: (/** @type {any} */ config) => ({ ...config, platform: "node" }),
    }),
  };
  return [
    { ...common, name: `${pkg.name} (everything)`, import: "*", limit: budget.all },
    ...Object.entries(budget.exports ?? {}).map(([name, limit]) => ({
      ...common,
      name: `${pkg.name}: { ${name} }`,
      import: `{ ${name} }`,
      limit,
    })),
  ];
});
