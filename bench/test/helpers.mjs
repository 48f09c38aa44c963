import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnNode } from "../lib/spawn.mjs";

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The scripts import the built packages: say so plainly when they are not built. */
export function requireBuild() {
  for (const pkg of ["core", "testing"]) {
    const dist = join(benchDir, "..", "packages", pkg, "dist", "index.js");
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`pnpm build\` first`);
  }
}

/** Runs `node script …args` in bench/ and resolves with its exit code and output. */
export function runScript(script, args = []) {
  return spawnNode({ script: join(benchDir, script), args, cwd: benchDir });
}
