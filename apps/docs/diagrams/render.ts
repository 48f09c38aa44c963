/**
 * Draws the records of `simulate.ts` as SVG timelines: one lane per timer, time left to right.
 * Plain strings, no dependencies; the output is deterministic, so a rebuild changes a diagram
 * only when the timer's behaviour changes.
 */
import type { DeliveryTrace, Timeline } from "./simulate.js";

const WIDTH = 820;
const LEFT = 170;
const RIGHT = 24;
const LANE = 78;
const TOP = 44;

export const COLOURS = {
  ink: "#1f2937",
  muted: "#6b7280",
  grid: "#cbd5e1",
  tick: "#2563eb",
  triggered: "#d97706",
  skipped: "#dc2626",
  jitter: "#f59e0b",
  sleep: "#64748b",
  background: "#ffffff",
};

const escapeXml = (text: string): string =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export const fmt = (value: number): string => String(Number(value.toFixed(2)));

export class Canvas {
  readonly parts: string[] = [];
  constructor(
    readonly horizon: number,
    readonly lanes: number,
    readonly left = LEFT,
  ) {}

  get height(): number {
    return TOP + this.lanes * LANE + 64;
  }

  x(t: number): number {
    return Number((this.left + (t / this.horizon) * (WIDTH - this.left - RIGHT)).toFixed(1));
  }

  laneTop(lane: number): number {
    return TOP + lane * LANE;
  }

  add(part: string): void {
    this.parts.push(part);
  }

  text(x: number, y: number, text: string, attrs = ""): void {
    this.add(`<text x="${x}" y="${y}" ${attrs}>${escapeXml(text)}</text>`);
  }

  axis(): void {
    const y = TOP + this.lanes * LANE + 6;
    this.add(
      `<line x1="${this.x(0)}" y1="${y}" x2="${this.x(this.horizon)}" y2="${y}" stroke="${COLOURS.ink}"/>`,
    );
    const step = this.horizon <= 14 ? 1 : this.horizon <= 30 ? 2 : 5;
    for (let t = 0; t <= this.horizon + 1e-9; t += step) {
      const x = this.x(t);
      this.add(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 5}" stroke="${COLOURS.ink}"/>`);
      this.text(x, y + 18, t === 0 ? "0 s" : fmt(t), `text-anchor="middle" class="small"`);
    }
  }

  legend(items: readonly (readonly [string, string])[]): void {
    let x = this.left;
    const y = TOP + this.lanes * LANE + 48;
    for (const [swatch, label] of items) {
      this.add(swatch.replaceAll("{x}", String(x)).replaceAll("{y}", String(y)));
      this.text(x + 18, y + 4, label, `class="small"`);
      x += 26 + label.length * 6.4;
    }
  }

  svg(title: string, description: string): string {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${this.height}" width="${WIDTH}" height="${this.height}" role="img" aria-labelledby="title desc">`,
      `<title id="title">${escapeXml(title)}</title>`,
      `<desc id="desc">${escapeXml(description)}</desc>`,
      `<style>text{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:13px;fill:${COLOURS.ink}}.small{font-size:11px;fill:${COLOURS.muted}}.label{font-weight:600}.inside{font-size:10px;fill:#fff}.code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12px;font-weight:600}</style>`,
      `<rect width="100%" height="100%" rx="8" fill="${COLOURS.background}"/>`,
      `<text x="16" y="26" class="label">${escapeXml(title)}</text>`,
      ...this.parts,
      "</svg>",
      "",
    ].join("\n");
  }
}

/** The slots of a fixed-rate grid within the horizon, re-anchored at every triggered tick. */
export function gridSlots(timeline: Timeline): number[] {
  const { delay } = timeline.scenario;
  const first = timeline.ticks[0];
  if (timeline.mode !== "fixed_rate" || first === undefined) return [];
  const anchors = [first.start, ...timeline.ticks.filter((t) => t.triggered).map((t) => t.start)];
  const slots: number[] = [];
  anchors.forEach((anchor, i) => {
    const until = anchors[i + 1] ?? timeline.horizon + 1e-9;
    for (let k = 0; anchor + k * delay < until - 1e-9; k++) slots.push(round(anchor + k * delay));
  });
  return slots;
}

/**
 * The slots the timer reported skipping: for each warn line at time `at` with `count`, the
 * `count` grid slots just before the first slot at or after `at`.
 */
export function skippedSlots(timeline: Timeline): number[] {
  const slots = gridSlots(timeline);
  const skipped: number[] = [];
  for (const { at, count } of timeline.skips) {
    const next = slots.findIndex((slot) => slot >= at - 1e-9);
    const end = next === -1 ? slots.length : next;
    skipped.push(...slots.slice(Math.max(0, end - count), end));
  }
  return skipped;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** A timeline diagram with one lane per timeline. */
export function renderTimelines(
  title: string,
  description: string,
  timelines: readonly Timeline[],
): string {
  const horizon = Math.max(...timelines.map((t) => t.horizon));
  const canvas = new Canvas(horizon, timelines.length);
  const used = new Set<string>(["tick", "sleep"]);

  timelines.forEach((timeline, lane) => {
    const top = canvas.laneTop(lane);
    const row = top + 26;
    const { scenario } = timeline;
    canvas.text(16, row + 4, scenario.label, `class="label"`);
    const detail = [
      scenario.label === timeline.mode ? "" : timeline.mode,
      `delay ${fmt(scenario.delay)} s`,
      scenario.jitter ? `jitter ${scenario.jitter}` : "",
      scenario.initialDelay ? `initialDelay ${fmt(scenario.initialDelay)} s` : "",
    ].filter(Boolean);
    canvas.text(16, row + 20, detail.join(", "), `class="small"`);
    canvas.add(
      `<line x1="${canvas.x(0)}" y1="${row + 10}" x2="${canvas.x(horizon)}" y2="${row + 10}" stroke="${COLOURS.grid}"/>`,
    );

    // start()
    canvas.add(
      `<line x1="${canvas.x(0)}" y1="${row - 14}" x2="${canvas.x(0)}" y2="${row + 22}" stroke="${COLOURS.ink}" stroke-width="1.5"/>`,
    );
    canvas.text(canvas.x(0) + 3, row - 16, "start()", `class="small"`);

    // The fixed-rate grid, and the slots the timer said it skipped.
    const skipped = skippedSlots(timeline);
    for (const slot of gridSlots(timeline)) {
      const x = canvas.x(slot);
      canvas.add(
        `<line x1="${x}" y1="${row - 8}" x2="${x}" y2="${row + 24}" stroke="${COLOURS.grid}" stroke-dasharray="3 3"/>`,
      );
      used.add("slot");
    }
    for (const slot of skipped) {
      const x = canvas.x(slot);
      canvas.add(
        `<path d="M${x - 5} ${row + 29} l10 10 m0 -10 l-10 10" stroke="${COLOURS.skipped}" stroke-width="2"/>`,
      );
      canvas.text(
        x,
        row + 50,
        "skipped",
        `text-anchor="middle" class="small" fill="${COLOURS.skipped}"`,
      );
      used.add("skipped");
    }

    // initialDelay: from start() to the first tick.
    const first = timeline.ticks[0];
    if (scenario.initialDelay && first !== undefined) {
      const x0 = canvas.x(0);
      const x1 = canvas.x(first.start);
      canvas.add(
        `<path d="M${x0} ${row + 28} v4 H${x1} v-4" fill="none" stroke="${COLOURS.muted}"/>`,
      );
      canvas.text((x0 + x1) / 2, row + 44, "initialDelay", `text-anchor="middle" class="small"`);
    }

    timeline.ticks.forEach((tick, i) => {
      if (tick.start >= horizon - 1e-9) return; // starts where the picture ends
      const end = Math.min(tick.end ?? horizon, horizon);
      // Jitter: where this tick could have started, given the previous one.
      const previous = timeline.ticks[i - 1];
      if (scenario.jitter && previous?.end !== undefined && !tick.triggered) {
        const { delay, jitter } = scenario;
        let from: number;
        let to: number;
        if (timeline.mode === "fixed_delay") {
          from = previous.end + delay * (1 - jitter);
          to = previous.end + delay * (1 + jitter);
        } else {
          const slot = gridSlots(timeline).find(
            (s) => Math.abs(s - tick.start) <= delay * jitter + 1e-9,
          );
          const centre = slot ?? tick.start;
          from = centre - delay * jitter;
          to = centre + delay * jitter;
        }
        to = Math.min(to, horizon);
        canvas.add(
          `<rect x="${canvas.x(from)}" y="${row - 6}" width="${canvas.x(to) - canvas.x(from)}" height="32" fill="${COLOURS.jitter}" fill-opacity="0.18" stroke="${COLOURS.jitter}" stroke-opacity="0.5" stroke-dasharray="2 2"/>`,
        );
        used.add("jitter");
      }
      // The sleep before this tick.
      if (previous?.end !== undefined) {
        const a = canvas.x(previous.end);
        const b = canvas.x(tick.start);
        if (b - a > 4) {
          canvas.add(
            `<line x1="${a}" y1="${row + 10}" x2="${b - 3}" y2="${row + 10}" stroke="${COLOURS.sleep}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
          );
          if (b - a > 34) {
            canvas.text(
              (a + b) / 2,
              row + 4,
              `${fmt(tick.start - previous.end)} s`,
              `text-anchor="middle" class="small"`,
            );
          }
        }
      }
      const colour = tick.triggered ? COLOURS.triggered : COLOURS.tick;
      if (tick.triggered) used.add("triggered");
      const x = canvas.x(tick.start);
      const width = Math.max(3, canvas.x(end) - x);
      canvas.add(
        `<rect x="${x}" y="${row}" width="${width}" height="20" rx="3" fill="${colour}"><title>tick ${tick.index + 1}: ${fmt(tick.start)}–${tick.end === undefined ? "…" : fmt(tick.end)} s</title></rect>`,
      );
      if (width > 18)
        canvas.text(
          x + width / 2,
          row + 14,
          String(tick.index + 1),
          `text-anchor="middle" class="inside"`,
        );
    });

    for (const at of timeline.triggers) {
      const x = canvas.x(at);
      canvas.add(
        `<path d="M${x - 6} ${row - 22} h12 l-6 10 z" fill="${COLOURS.triggered}"/><line x1="${x}" y1="${row - 12}" x2="${x}" y2="${row + 22}" stroke="${COLOURS.triggered}" stroke-width="1.5"/>`,
      );
      canvas.text(x + 9, row - 13, "trigger()", `class="small"`);
    }
  });

  canvas.axis();
  const legend: [string, string][] = [
    [
      `<rect x="{x}" y="{y}" width="14" height="10" rx="2" fill="${COLOURS.tick}" transform="translate(0 -6)"/>`,
      "tick (the target running)",
    ],
  ];
  legend.push([
    `<path d="M{x} {y} h14" stroke="${COLOURS.sleep}" stroke-width="2" stroke-dasharray="4 2"/>`,
    "sleep",
  ]);
  if (used.has("slot"))
    legend.push([
      `<path d="M{x} {y} m7 -7 v14" stroke="${COLOURS.muted}" stroke-dasharray="3 3"/>`,
      "fixed-rate slot",
    ]);
  if (used.has("skipped"))
    legend.push([
      `<path d="M{x} {y} m2 -5 l10 10 m0 -10 l-10 10" stroke="${COLOURS.skipped}" stroke-width="2"/>`,
      "skipped slot (logged)",
    ]);
  if (used.has("jitter"))
    legend.push([
      `<rect x="{x}" y="{y}" width="14" height="10" fill="${COLOURS.jitter}" fill-opacity="0.3" transform="translate(0 -6)"/>`,
      "where jitter may put the tick",
    ]);
  if (used.has("triggered"))
    legend.push([
      `<rect x="{x}" y="{y}" width="14" height="10" rx="2" fill="${COLOURS.triggered}" transform="translate(0 -6)"/>`,
      "triggered tick",
    ]);
  canvas.legend(legend);
  return canvas.svg(title, description);
}

/** Producer and consumers of one timer, the values each handled and those it never saw. */
export function renderDelivery(title: string, description: string, trace: DeliveryTrace): string {
  const horizon = Math.ceil(
    Math.max(trace.horizon, ...trace.consumers.flatMap((c) => c.handled.map((h) => h.end))),
  );
  const canvas = new Canvas(horizon, trace.consumers.length + 1, 230);
  const producerRow = canvas.laneTop(0) + 26;
  canvas.text(16, producerRow + 14, "the timer's ticks", `class="label"`);
  canvas.add(
    `<line x1="${canvas.x(0)}" y1="${producerRow + 10}" x2="${canvas.x(horizon)}" y2="${producerRow + 10}" stroke="${COLOURS.grid}"/>`,
  );
  for (const { value, at } of trace.produced) {
    const x = canvas.x(at);
    canvas.add(`<circle cx="${x}" cy="${producerRow + 10}" r="9" fill="${COLOURS.tick}"/>`);
    canvas.text(x, producerRow + 14, String(value), `text-anchor="middle" class="inside"`);
  }
  trace.consumers.forEach((consumer, i) => {
    const row = canvas.laneTop(i + 1) + 26;
    canvas.text(16, row + 8, consumer.label, `class="code"`);
    const summary = [`handled ${consumer.handled.length}`];
    if (consumer.dropped > 0) summary.push(`dropped ${consumer.dropped}`);
    else if (consumer.missed.length > 0) summary.push(`missed ${consumer.missed.length}`);
    canvas.text(16, row + 24, summary.join(", "), `class="small"`);
    canvas.add(
      `<line x1="${canvas.x(0)}" y1="${row + 10}" x2="${canvas.x(horizon)}" y2="${row + 10}" stroke="${COLOURS.grid}"/>`,
    );
    for (const { value, start, end } of consumer.handled) {
      const x = canvas.x(start);
      const width = Math.max(3, canvas.x(end) - x - 2);
      canvas.add(
        `<rect x="${x}" y="${row}" width="${width}" height="20" rx="3" fill="${COLOURS.sleep}"><title>handled value ${value}: ${fmt(start)}–${fmt(end)} s</title></rect>`,
      );
      canvas.text(x + width / 2, row + 14, String(value), `text-anchor="middle" class="inside"`);
    }
    for (const value of consumer.missed) {
      const at = trace.produced.find((p) => p.value === value)?.at ?? 0;
      const x = canvas.x(at);
      canvas.add(
        `<path d="M${x - 4} ${row + 30} l8 8 m0 -8 l-8 8" stroke="${COLOURS.skipped}" stroke-width="1.5"/>`,
      );
      canvas.text(x, row + 50, String(value), `text-anchor="middle" class="small"`);
    }
  });
  canvas.axis();
  canvas.legend([
    [
      `<circle cx="{x}" cy="{y}" r="6" fill="${COLOURS.tick}" transform="translate(7 -1)"/>`,
      "tick: a new value",
    ],
    [
      `<rect x="{x}" y="{y}" width="14" height="10" rx="2" fill="${COLOURS.sleep}" transform="translate(0 -6)"/>`,
      "consumer handling a value",
    ],
    [
      `<path d="M{x} {y} m3 -5 l8 8 m0 -8 l-8 8" stroke="${COLOURS.skipped}" stroke-width="1.5"/>`,
      "a value this consumer never handled",
    ],
  ]);
  return canvas.svg(title, description);
}
