/**
 * Metric 8: worker control (`@async-timer/node-threads`). The measurement itself lives in
 * bench/worker-control/ (owned by the node-threads work); this runs its script, if there is one,
 * in a child process and takes what it prints: a JSON object (a line of its own, or the last
 * line), or failing that the text, shown as is.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnNode } from "../lib/spawn.mjs";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "worker-control");
const CANDIDATES = [
  "worker-control.mjs",
  "run.mjs",
  "bench.mjs",
  "index.mjs",
  "main.mjs",
  "run.js",
  "bench.js",
  "index.js",
];

/** The script to run, or undefined when the folder has none. */
export function findWorkerControlScript() {
  if (!existsSync(dir)) return undefined;
  for (const name of CANDIDATES) if (existsSync(join(dir, name))) return join(dir, name);
  const pkg = join(dir, "package.json");
  if (existsSync(pkg)) {
    const manifest = JSON.parse(readFileSync(pkg, "utf8"));
    const main = manifest.main ?? (typeof manifest.bin === "string" ? manifest.bin : undefined);
    if (main !== undefined && existsSync(join(dir, main))) return join(dir, main);
  }
  const scripts = readdirSync(dir).filter((f) => /\.(mjs|js)$/.test(f) && !/\.test\./.test(f));
  return scripts.length === 1 ? join(dir, scripts[0]) : undefined;
}

/** Its own `--json` and `--rounds` (at least 5) are passed when it is worker-control.mjs. */
export async function measureWorkerControl({ rounds = 5, timeoutMs = 240_000 } = {}) {
  const script = findWorkerControlScript();
  if (script === undefined) {
    return { status: "pending", reason: "bench/worker-control/ has no script yet" };
  }
  const args = script.endsWith("worker-control.mjs")
    ? ["--json", "--rounds", String(Math.max(5, rounds))]
    : [];
  const { code, signal, stdout, stderr } = await spawnNode({ script, args, cwd: dir, timeoutMs });
  const relative = `bench/worker-control/${script.slice(dir.length + 1)}`;
  if (code !== 0) {
    return {
      status: "failed",
      script: relative,
      reason: `exited ${code ?? signal}: ${stderr.trim().split("\n").slice(-5).join(" | ")}`,
    };
  }
  return { status: "ok", script: relative, ...parseOutput(stdout) };
}

function parseOutput(stdout) {
  const text = stdout.trim();
  const attempts = [text, ...text.split("\n").reverse()];
  for (const candidate of attempts) {
    const trimmed = candidate.trim();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) continue;
    try {
      return { data: JSON.parse(trimmed) };
    } catch {
      // not JSON; try the next candidate
    }
  }
  return { text: text.slice(-4000) };
}

/**
 * Table rows (the harness's row shape) from worker-control.mjs's JSON report; an empty list when
 * the report has another shape (the report is then shown as it is).
 */
export function workerRows(data) {
  const rows = [];
  const row = (key, label, unit, summary, extra = {}) => {
    if (summary === undefined || typeof summary.median !== "number") return;
    rows.push({
      figure: "value",
      figureTitle: label,
      key,
      subject: key,
      label,
      unit,
      median: summary.median,
      min: summary.min,
      max: summary.max,
      values: [],
      ours: false,
      peer: false,
      isFloor: false,
      group: "main",
      ...extra,
    });
  };
  const ratioOf = (s) => (s === undefined ? undefined : { ...s, values: [] });
  const met = (s, target) =>
    s === undefined || target === undefined ? undefined : s.median <= target;
  const t = data?.triggerSync;
  if (t !== undefined) {
    row(
      "raw-roundtrip",
      "raw MessagePort + Atomics.wait round trip (floor)",
      "µs",
      t.rawRoundTripUs,
      {
        isFloor: true,
        floorKey: "raw-roundtrip",
      },
    );
    row("triggerSync", "remote.triggerSync() on an idle owner", "µs", t.triggerSyncUs, {
      ours: true,
      ratio: ratioOf(t.ratio),
      target: t.target === undefined ? undefined : `≤ ${t.target}× floor`,
      met: met(t.ratio, t.target),
    });
  }
  const h = data?.hitCountRead;
  if (h !== undefined) {
    row("atomics-load", "raw Atomics.load (floor)", "ns", h.atomicsLoadNs, {
      isFloor: true,
      floorKey: "atomics-load",
    });
    row("hitCount", "remote.hitCount read", "ns", h.hitCountNs, {
      ours: true,
      ratio: ratioOf(h.ratio),
      target: h.target === undefined ? undefined : `≤ ${h.target}× floor`,
      met: met(h.ratio, h.target),
    });
    row("snapshot", "remote.snapshot() (every field, consistent)", "ns", h.snapshotNs, {
      ours: true,
    });
  }
  const o = data?.ownerTick;
  if (o !== undefined) {
    row(
      "owner-plain",
      "owner: await timer.trigger() per tick, not shared (baseline)",
      "ns",
      o.plainNs,
      {
        isFloor: true,
        floorKey: "owner-plain",
      },
    );
    row("owner-shared", "owner: the same with a shared handle open", "ns", o.sharedNs, {
      ours: true,
      ratio: ratioOf(o.ratio),
    });
    row("owner-quiet", "owner: shared with lastResult: false", "ns", o.sharedWithoutResultNs, {
      ours: true,
      ratio: ratioOf(o.ratioWithoutResult),
    });
  }
  return rows;
}
