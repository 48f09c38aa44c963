/** Rows (median, range, ratio to the same round's floor, target) and the Markdown report. */
import { summarize } from "./stats.mjs";

/**
 * Why a target of ours is missed, and what is planned, keyed by `metric:figure:run` (or
 * `metric:figure` for any of our runs). Shown under the table whenever that target is missed.
 */
export const KNOWN_CAUSES = {
  "cpu:value": {
    cause:
      "mostly AsyncLocalStorage, on Node 20 and on Node 24 alike. SPEC requires that `await timer.cancel()` from inside a tick, even after an `await`, does not wait for that tick, and only async context can tell, so each tick runs in `storage.run()`. Swapping in the synchronous store, the same timer costs 1.2–1.7 µs a tick instead of 2.1–2.6 µs on Node 20, and 1.2–1.4 µs instead of 1.6–2.1 µs on Node 24 (A/B in one session, 3 rounds): on Node 20 every promise of a tick pays the async_hooks promise hook, on Node 24 each `run()` builds a new context frame. The rest is per-tick machinery the floor does not have: two machine steps (a new immutable state, effects and a transition each; ~40 ns a step in isolation), a TickContext, a `.then` with two closures, three monotonic clock reads (~55 ns each); a CPU profile puts a quarter of the busy time in the garbage collector. Peers that beat us do less: toad-scheduler runs on a `setInterval` and skips ticks while one runs; set-interval-async and RxJS neither track async context nor re-arm from a schedule",
    plan: "on Node 24, enter the async-context scope once per run, when its wake is armed, so that every tick inherits it from the `Timeout` instead of calling `run()` (an A/B with the hook on but no `run()` per tick came out level with no tracking at all on Node 24, and level with today on Node 20, where the hook is the whole cost); ticks would then be told apart by a counter read at `cancel()`, which needs care for a continuation that outlives its tick and calls `cancel()` during a later one. On Node 20/22 the lever is fewer promises per tick. Then cut per-tick allocation (re-arm the same `Timeout` under fixed_rate, one clock read per transition, reuse the runner's per-tick objects). Re-measure with `pnpm bench --metric cpu --node24`",
  },
  "memory:value": {
    cause:
      "down from 2.9 kB (the run's AbortController, made eagerly, was 0.7 kB alone; it is now made on the first read of `ctx.signal`, and the fan-out, subscription set and callbacks are lazy or shared). What remains: the Timer (~22 fields) and its Runner (~20), the machine's immutable state and config, a run record, the run's signal holder, the wake's handle, callback and `Timeout` — 8 bytes a field on Node's x64 builds (no pointer compression). set-interval-async holds a closure and a `Timeout`; toad-scheduler a job object and a `Timeout`",
    plan: "merge the Runner's fields into the Timer and move rarely-set options (logger, onError, onCancel, signals) into one shared object: about −250 B. Below set-interval-async's ~370 B is out of reach while the pure machine keeps its state in an object of its own. Re-measure with `pnpm bench --metric memory`",
  },
  "throughput:value": {
    cause:
      "construction validates and resolves every option and builds the Runner and the machine's initial state; start and cancel are each a machine step whose effects the runner performs (arm, clear, end the run); the floor allocates one closure and one `Timeout`",
    plan: "share the resolved defaults between timers built without options, and skip the end-of-run fan-out work when nobody waits; re-measure with `pnpm bench --metric throughput`",
  },
  "virtual:value": {
    cause:
      "a simulated tick is one macrotask (VirtualClock settles promise continuations with a `setImmediate` per wake, as fake-timers' tickAsync does) plus the Timer's real tick (metric 1), and the floor row pays the same macrotask. Ten times faster would mean ≤ 0.03 s for 86,400 ticks, 0.3 µs a tick, less than the Timer's own tick costs in real time, so it cannot be met while the simulation runs the real timer code. Issue #3's bar (a day of one-second ticks well under a second) is met: the clock's own share is the floor-virtual row",
    plan: "none that reaches 10×: a microtask-only settle would break the guarantee that continuations settle between wakes. Core's per-tick work (metric 1) is what would move this figure",
  },
  "fanout:value": {
    cause:
      "per queued value: the publish loop over the subscription Set, then Subscription#push (a `shift()` on its pending-waiter array even when empty, a bound check, a ring-buffer write, growth by doubling), where the floor pushes to a plain array",
    plan: "profile Subscription#push and Timer's publish loop (`node --cpu-prof bench/metrics/fanout.mjs --variant push`)",
  },
  "accuracy:last": {
    cause: (row) =>
      row.detail?.includes("gaps")
        ? `the machine stalled during the run (${row.detail}); a scheduler that skips missed slots, as fixed_rate does, then starts later ticks whole periods after their count-based slot, and the floor shows the same: re-measure on a quiet machine`
        : "the last tick started more than an event-loop jitter after its slot, with no stall of the machine",
    plan: "re-run `pnpm bench --metric accuracy` on a quiet machine; if it persists, check that fixed_rate arms each wake from the slot grid (anchor + k·delay) and not from the tick's end",
  },
};

export function buildRows(metric, raw) {
  const rows = [];
  for (const figure of metric.figures) {
    for (const run of metric.runs) {
      const outcomes = raw[run.key] ?? [];
      const values = outcomes.map((o) => (o?.error === undefined ? o?.[figure.id] : undefined));
      const summary = summarize(values);
      const errors = outcomes.filter((o) => o?.error !== undefined).map((o) => o.error);
      if (summary === undefined && errors.length === 0) continue;
      let ratio;
      if (figure.ratio && run.floorKey !== undefined && raw[run.floorKey] !== undefined) {
        const floors = raw[run.floorKey].map((o) => o?.[figure.id]);
        ratio = summarize(
          values.map((v, i) =>
            typeof v === "number" && typeof floors[i] === "number" && floors[i] !== 0
              ? v / floors[i]
              : undefined,
          ),
        );
      }
      rows.push({
        figure: figure.id,
        figureTitle: figure.title,
        key: run.key,
        subject: run.subject,
        label: run.label,
        unit: run.unit ?? figure.unit,
        ...(summary ?? {}),
        ratio,
        ratioApplies: figure.ratio === true,
        ours: run.ours === true,
        peer: run.peer === true,
        isFloor: run.isFloor === true,
        floorKey: run.floorKey,
        group: run.group,
        target: run.targets?.[figure.id],
        note: run.notes?.[figure.id] ?? (figure === metric.figures[0] ? run.note : undefined),
        detail: detail(metric.id, figure.id, outcomes),
        errors: errors.length > 0 ? errors : undefined,
      });
    }
  }
  for (const row of rows) {
    const target = row.target;
    if (target === undefined) continue;
    row.target = target.text;
    row.met = row.median === undefined ? false : target.check(row, rows);
  }
  return rows;
}

function detail(metricId, figureId, outcomes) {
  const ok = outcomes.filter((o) => o !== undefined && o.error === undefined);
  if (ok.length === 0) return undefined;
  if (metricId === "cpu") {
    const cadence = summarize(ok.map((o) => o.cadence));
    const warnings = ok.reduce((n, o) => n + (o.warnings ?? 0), 0);
    return `cadence ${cadence.median.toFixed(2)}${warnings > 0 ? `; ${warnings} fixed_rate skip warnings (counted, not printed)` : ""}`;
  }
  if (metricId === "accuracy" && figureId === "last") {
    const stalled = ok.filter((o) => o.skips > 0);
    return stalled.length > 0
      ? `${stalled.length} round(s) had gaps of ≥ 1.5 periods (${stalled.map((o) => o.skips).join(", ")}): a stall or a skipped slot, which adds whole periods to later ticks`
      : undefined;
  }
  if (metricId === "memory" && figureId === "retained") {
    const first = summarize(ok.map((o) => o.firstCycleResidue));
    return first === undefined
      ? undefined
      : `after the first cycle: ${first.median.toFixed(1)} B/timer (one-time allocations included)`;
  }
  if (metricId === "throughput") return undefined;
  return undefined;
}

// ─── Markdown ───────────────────────────────────────────────────────────────────────────────

export function formatValue(value, unit) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  let text;
  if (unit === "B" || unit === "ops/s" || unit === "")
    text = Math.round(value).toLocaleString("en");
  else if (abs >= 1000) text = Math.round(value).toLocaleString("en");
  else if (abs >= 100) text = value.toFixed(0);
  else if (abs >= 10) text = value.toFixed(1);
  else text = value.toFixed(2);
  return unit === "" ? text : unit === "×" ? `${text}×` : `${text} ${unit}`;
}

function formatRatio(ratio, row) {
  if (row.ratioApplies === false) return "—";
  if (row.isFloor && row.floorKey === row.key) return "1 (floor)";
  if (ratio === undefined) return "—";
  const r = (x) => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
  return ratio.min === ratio.max
    ? `${r(ratio.median)}×`
    : `${r(ratio.median)}× (${r(ratio.min)}–${r(ratio.max)})`;
}

function formatRange(row) {
  if (row.min === undefined) return "—";
  if (row.values?.length === 1 || row.min === row.max) return "—";
  return `${formatValue(row.min, row.unit)} – ${formatValue(row.max, row.unit)}`;
}

const duration = (seconds) =>
  seconds < 90 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;

const cell = (text) => String(text).replaceAll("|", "\\|");

export function renderMarkdown(results) {
  const m = results.machine;
  const lines = [];
  const when = results.generatedAt.slice(0, 10);
  lines.push("## Benchmarks", "");
  lines.push(
    `Measured ${when} on **${m.cpu}**, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, **Node ${m.node.replace(/^v/, "")}**; load average at start ${m.loadAverageAtStart.join(" / ")}.`,
    `Reproduce with \`${results.command}\` from the repository root (${results.rounds} round${results.rounds === 1 ? "" : "s"}${results.size === "quick" ? ", quick mode" : ""}, ${duration(results.durationSeconds)} here; raw figures in \`bench/results/latest.json\`).`,
    "",
    `Each figure is the median of ${results.rounds} round${results.rounds === 1 ? "" : "s"}, with the range; every subject runs in a fresh Node process, subjects alternate round by round, and **ratio** = subject ÷ the floor measured in the same round (median and range of the per-round ratios). The floor is a hand-written recursive \`setTimeout\` loop doing the same job.`,
    "",
    "| metric | subject | median | min – max | ratio to floor | target | met? |",
    "|---|---|--:|--:|--:|---|:-:|",
  );
  const unavailableRows = [];
  for (const metric of Object.values(results.metrics)) {
    for (const row of metric.rows) {
      const title = `${metric.number}. ${metric.figures.length > 1 ? `${metric.title}: ${row.figureTitle}` : metric.title}`;
      const subject = `${cell(row.label)}${row.ours ? " **(ours)**" : ""}${row.note ? ` — _${cell(row.note)}_` : ""}${row.detail ? ` <br><sub>${cell(row.detail)}</sub>` : ""}${row.errors ? ` <br>**${row.errors.length} round(s) failed:** ${cell(row.errors[0].slice(0, 200))}` : ""}`;
      const met = row.met === undefined ? "" : row.met ? "yes" : "**no**";
      lines.push(
        `| ${title} | ${subject} | ${formatValue(row.median, row.unit)} | ${formatRange(row)} | ${formatRatio(row.ratio, row)} | ${row.target ?? ""} | ${met} |`,
      );
    }
    for (const u of metric.unavailable ?? []) {
      unavailableRows.push(`- **${metric.number}. ${metric.title}, ${u.label}:** ${u.reason}.`);
      lines.push(
        `| ${metric.number}. ${metric.title} | ${cell(u.label)} — _${cell(u.reason)}_ | n/a | | | | |`,
      );
    }
    if (metric.worker !== undefined && metric.rows.length === 0) {
      const w = metric.worker;
      const text =
        w.status === "ok"
          ? `see below (from \`${w.script}\`)`
          : w.status === "pending"
            ? `_pending: ${cell(w.reason)}_`
            : `_failed: ${cell(w.reason)}_`;
      lines.push(`| ${metric.number}. ${metric.title} | ${text} | | | | | |`);
    }
  }
  lines.push("");

  const worker = results.metrics.worker?.worker;
  if (worker?.status === "ok" && results.metrics.worker.rows.length === 0) {
    lines.push("### 8. Worker control", "", `From \`${worker.script}\`:`, "");
    if (worker.data !== undefined) lines.push(...workerTable(worker.data));
    else lines.push("```", worker.text, "```");
    lines.push("");
  }

  const missed = Object.entries(results.metrics).flatMap(([id, metric]) =>
    metric.rows.filter((r) => r.ours && r.met === false).map((r) => ({ id, metric, row: r })),
  );
  lines.push("### Targets missed", "");
  if (missed.length === 0) lines.push("None.", "");
  // Rows that miss for the same reason share one entry.
  const groups = new Map();
  for (const { id, metric, row } of missed) {
    const causeKey = KNOWN_CAUSES[`${id}:${row.figure}:${row.key}`]
      ? `${id}:${row.figure}:${row.key}`
      : `${id}:${row.figure}`;
    if (!groups.has(causeKey)) groups.set(causeKey, { metric, rows: [] });
    groups.get(causeKey).rows.push(row);
  }
  for (const [causeKey, { metric, rows }] of groups) {
    const known = KNOWN_CAUSES[causeKey];
    const cause = typeof known?.cause === "function" ? known.cause(rows[0]) : known?.cause;
    const figures = rows
      .map(
        (row) =>
          `${row.label}: ${formatValue(row.median, row.unit)}${row.ratio ? ` (${formatRatio(row.ratio, row)} the floor)` : ""}`,
      )
      .join("; ");
    lines.push(
      `- **${metric.number}. ${metric.title}** (target ${rows[0].target}) — ${figures}.`,
      `  - Cause: ${cause ?? "not analysed yet"}.`,
      `  - Plan: ${known?.plan ?? "analyse with a CPU profile (`node --cpu-prof`) of the metric's child script"}.`,
    );
  }
  lines.push("");

  lines.push("### How each figure is measured", "");
  for (const metric of Object.values(results.metrics)) {
    lines.push(`- **${metric.number}. ${metric.title}:** ${metric.description}.`);
  }
  if (unavailableRows.length > 0) lines.push("", "Not measurable:", "", ...unavailableRows);
  if (results.notes.length > 0) lines.push("", ...results.notes.map((n) => `- ${n}`));
  lines.push("");
  return lines.join("\n");
}

function workerTable(data) {
  const entries = Array.isArray(data)
    ? data
    : Object.entries(data).map(([k, v]) => ({ name: k, value: v }));
  const lines = ["| figure | value |", "|---|--:|"];
  for (const entry of entries) {
    const name = entry.name ?? entry.metric ?? entry.subject ?? JSON.stringify(entry).slice(0, 60);
    const value = entry.value ?? entry.median ?? JSON.stringify(entry);
    lines.push(
      `| ${cell(name)} | ${cell(typeof value === "object" ? JSON.stringify(value) : value)} |`,
    );
  }
  return lines;
}
