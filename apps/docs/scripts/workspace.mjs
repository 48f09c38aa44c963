// @ts-check
/**
 * The one list of published packages that the docs site, the size budgets, publint/attw, the
 * consumer smoke test and the runtime matrix all work from. A package is found, not listed: every
 * `packages/<dir>/package.json` that is not private and has a `src/index.ts`. A package still
 * being scaffolded (no `src/index.ts` yet) is left out until it has one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const docsRoot = join(repoRoot, "apps", "docs");

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name      e.g. "@async-timer/core"
 * @property {string} dir       absolute directory
 * @property {string} slug      directory name, e.g. "core"
 * @property {string} version
 * @property {Record<string, any>} manifest  the package.json as written (with workspace: ranges)
 * @property {string[]} entries the import specifiers it exports, e.g. ["@async-timer/core", "@async-timer/core/machine"]
 * @property {boolean} nodeOnly whether its built code imports Node built-ins (`node:…`), so it
 *   needs Node (and `@types/node` for its types): left out of the browser checks
 */

/** @returns {WorkspacePackage[]} published packages, sorted by directory name */
export function publishedPackages() {
  const root = join(repoRoot, "packages");
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, entry.name))
    .filter(
      (dir) => existsSync(join(dir, "package.json")) && existsSync(join(dir, "src", "index.ts")),
    )
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      return { dir, manifest };
    })
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({
      name: manifest.name,
      dir,
      slug: dir.slice(root.length + 1),
      version: manifest.version,
      manifest,
      entries: entrySpecifiers(manifest),
      nodeOnly: importsNodeBuiltins(join(dir, "dist")),
    }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
}

/**
 * The import specifiers a package offers, from the `exports` npm users get: `"."` is the package
 * name, `"./machine"` is `name/machine`; `./package.json` is not code.
 *
 * @param {Record<string, any>} manifest
 * @returns {string[]}
 */
export function entrySpecifiers(manifest) {
  const exports = manifest.publishConfig?.exports ?? manifest.exports ?? { ".": manifest.main };
  const paths = typeof exports === "string" ? ["."] : Object.keys(exports);
  return paths
    .filter((path) => path === "." || (path.startsWith("./") && !path.endsWith(".json")))
    .map((path) => (path === "." ? manifest.name : `${manifest.name}/${path.slice(2)}`));
}

/** @param {string} dist */
function importsNodeBuiltins(dist) {
  if (!existsSync(dist)) return false;
  const builtin = /(?:from\s*|import\s*\(\s*)["']node:/;
  return readdirSync(dist, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith(".js"))
    .some((file) => builtin.test(readFileSync(join(dist, file), "utf8")));
}

/** Packages that are in the workspace but not yet documented/packaged (no `src/index.ts`). */
export function pendingPackages() {
  const root = join(repoRoot, "packages");
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter(
      (slug) =>
        existsSync(join(root, slug, "package.json")) &&
        !existsSync(join(root, slug, "src", "index.ts")),
    );
}
