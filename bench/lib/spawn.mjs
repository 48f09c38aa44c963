/** Runs Node child processes for the harness and its tests. */
import { spawn } from "node:child_process";
import { RESULT_MARK } from "./child.mjs";

/**
 * Runs `node …flags script …args` and resolves when it exits, with its exit code (or the signal
 * that ended it) and everything it printed. With `timeoutMs`, kills it after that long.
 *
 * @param {object} options
 * @param {string} options.script  absolute path of the child script
 * @param {string[]} [options.args]
 * @param {string[]} [options.flags]  node flags, e.g. --expose-gc
 * @param {string} [options.node]  the node binary (default: this one)
 * @param {string} [options.cwd]
 * @param {NodeJS.ProcessEnv} [options.env]  default: this process's
 * @param {number} [options.timeoutMs]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>}
 */
export function spawnNode({
  script,
  args = [],
  flags = [],
  node = process.execPath,
  cwd,
  env,
  timeoutMs,
}) {
  return new Promise((resolve) => {
    const child = spawn(node, [...flags, script, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Runs one measurement child (see {@link spawnNode}) and returns the result object it printed.
 *
 * @param {object} options
 * @param {string} options.script  absolute path of the child script
 * @param {string[]} [options.args]
 * @param {string[]} [options.flags]  node flags, e.g. --expose-gc
 * @param {string} [options.node]  the node binary (default: this one)
 * @param {number} [options.timeoutMs]
 * @returns {Promise<object>} the child's result, or `{ error }`
 */
export async function runNode({
  script,
  args = [],
  flags = [],
  node = process.execPath,
  timeoutMs = 180_000,
}) {
  // NODE_OPTIONS from the caller (a debugger, a loader) would distort the measurement.
  const env = { ...process.env, NODE_OPTIONS: "" };
  const { code, signal, stdout, stderr } = await spawnNode({
    script,
    args,
    flags,
    node,
    env,
    timeoutMs,
  });
  const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (line !== undefined) return JSON.parse(line.slice(RESULT_MARK.length));
  const why =
    signal === "SIGKILL" ? `timed out after ${timeoutMs / 1000} s` : `exited ${code ?? signal}`;
  return { error: `${why}; no result. ${stderr.trim().split("\n").slice(-6).join(" | ")}` };
}
