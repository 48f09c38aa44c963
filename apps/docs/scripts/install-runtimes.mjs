// @ts-check
/**
 * The runtime matrix's runtimes, from the npm registry (the official binaries, as packages):
 * Node 22, 24 and 26, Bun and Deno, pinned, installed into apps/docs/.cache/runtimes. Node 20 is
 * the Node running the checks. `node scripts/install-runtimes.mjs` installs what is missing; the
 * runtime check fails, naming this script, when a runtime is not there.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { docsRoot } from "./workspace.mjs";

export const runtimesDir = join(docsRoot, ".cache", "runtimes");

const arch = process.arch === "arm64" ? "arm64" : "x64";
const bunArch = arch === "arm64" ? "aarch64" : "x64";

/**
 * alias → [package, version, binary path inside the package]
 * @type {Record<string, [string, string, string]>}
 */
const RUNTIMES = {
  node22: [`node-linux-${arch}`, "22.23.3", "bin/node"],
  node24: [`node-linux-${arch}`, "24.9.0", "bin/node"],
  node26: [`node-linux-${arch}`, "26.12.1", "bin/node"],
  bun: [`@oven/bun-linux-${bunArch}`, "1.4.5", "bin/bun"],
  deno: [`@deno/linux-${arch}-glibc`, "2.9.6", "deno"],
};

/** @returns {{ name: string, version: string, binary: string }[]} */
export function runtimes() {
  return Object.entries(RUNTIMES).map(([alias, [, version, binary]]) => ({
    name: alias,
    version,
    binary: join(runtimesDir, "node_modules", alias, binary),
  }));
}

/** @param {string} alias @param {string} version */
function installed(alias, version) {
  const manifest = join(runtimesDir, "node_modules", alias, "package.json");
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).version === version;
}

export function installRuntimes() {
  if (process.platform !== "linux") {
    throw new Error(`the runtime matrix installs Linux binaries; this is ${process.platform}`);
  }
  const missing = Object.entries(RUNTIMES).filter(
    ([alias, [, version]]) => !installed(alias, version),
  );
  if (missing.length === 0) return;
  mkdirSync(runtimesDir, { recursive: true });
  if (!existsSync(join(runtimesDir, "package.json"))) {
    writeFileSync(join(runtimesDir, "package.json"), '{ "private": true }\n');
  }
  // Every runtime is named, not just the missing ones: npm prunes what the command and the
  // manifest do not list, so installing one alone could remove the others (as it did when a
  // cache filled by an earlier version of this script met a version bump).
  const specs = Object.entries(RUNTIMES).map(
    ([alias, [name, version]]) => `${alias}@npm:${name}@${version}`,
  );
  console.log(`installing runtimes (missing: ${missing.map(([alias]) => alias).join(", ")})`);
  // --ignore-scripts: the packages are the binaries themselves; nothing to download or build.
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", ...specs],
    { cwd: runtimesDir, stdio: "inherit" },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  installRuntimes();
  for (const runtime of runtimes()) {
    const version = execFileSync(runtime.binary, ["--version"], { encoding: "utf8" }).trim();
    console.log(`${runtime.name}: ${version.split("\n")[0]}`);
  }
}
