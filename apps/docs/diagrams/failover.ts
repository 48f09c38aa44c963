/**
 * The failover diagram of "Running on many replicas": three replicas of one leased timer, each a
 * real `Timer` with a real `memoryLease`, on one `VirtualClock`; the engine is a memory store on
 * the clock's wall time, and one replica's link to it is cut part-way. What the lanes show is
 * what the code did: who ticked which slot under which epoch, and when each lease changed hands.
 */
import { Timer } from "@async-timer/core";
import { type LeaseStore, memoryLease, memoryStore } from "@async-timer/lease";
import { VirtualClock } from "@async-timer/testing";
import { Canvas, COLOURS, fmt } from "./render.js";

/** What the simulation is asked to do, in seconds. */
export interface FailoverScenario {
  readonly replicas: readonly string[];
  readonly delay: number;
  readonly ttl: number;
  readonly renew: number;
  /** When the first replica's link to the engine is cut (it keeps running: a partition). */
  readonly partitionAt: number;
  readonly horizon: number;
  /** How long each tick's work takes. */
  readonly work: number;
}

/** The guide's scenario: three replicas; web-1 holds the lease until its link is cut at 5.5 s. */
export const FAILOVER: FailoverScenario = {
  replicas: ["web-1", "web-2", "web-3"],
  delay: 1,
  ttl: 3,
  renew: 1,
  partitionAt: 5.5,
  horizon: 13.6,
  work: 0.4,
};

interface Tick {
  readonly start: number;
  end: number | undefined;
  readonly slot: number;
  readonly epoch: number;
}

interface Event {
  readonly at: number;
  readonly what: "partitioned" | "gained" | "lost";
  /** The epoch gained or lost (the engine's number). */
  readonly epoch?: number;
  readonly reason?: string | undefined;
}

interface Replica {
  readonly name: string;
  readonly ticks: Tick[];
  readonly events: Event[];
}

export interface FailoverTrace {
  readonly scenario: FailoverScenario;
  readonly replicas: readonly Replica[];
  /** The slot that started at 0 s on the engine's clock would be numbered this. */
  readonly firstSlot: number;
}

/** A store whose link can be cut: every call fails while `down`, as a partition does. */
function link(store: LeaseStore): LeaseStore & { down: boolean } {
  const wrapped = {
    down: false,
    call<T>(operation: () => Promise<T>): Promise<T> {
      return wrapped.down ? Promise.reject(new Error("ETIMEDOUT (partition)")) : operation();
    },
    claim: (input: Parameters<LeaseStore["claim"]>[0]) => wrapped.call(() => store.claim(input)),
    renew: (input: Parameters<LeaseStore["renew"]>[0]) => wrapped.call(() => store.renew(input)),
    release: (input: Parameters<LeaseStore["release"]>[0]) =>
      wrapped.call(() => store.release(input)),
  };
  return wrapped;
}

/** Runs the scenario and records every tick and lease change, in virtual seconds. */
export async function simulateFailover(scenario: FailoverScenario): Promise<FailoverTrace> {
  const clock = new VirtualClock({ stallTimeout: 0, epoch: Date.UTC(2024, 0, 1), seed: 5 });
  const engine = memoryStore({ clock: () => clock.wallNow() });
  const seconds = (): number => Math.round(clock.now()) / 1000;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const links = scenario.replicas.map(() => link(engine));
  const replicas: Replica[] = scenario.replicas.map((name) => ({ name, ticks: [], events: [] }));
  const timers = replicas.map((replica, i) => {
    const lease = memoryLease({
      store: links[i] as never,
      ttl: scenario.ttl,
      renew: scenario.renew,
      holder: replica.name,
      onGained: ({ epoch }) => replica.events.push({ at: seconds(), what: "gained", epoch }),
      onLost: ({ epoch, reason }) =>
        replica.events.push({ at: seconds(), what: "lost", epoch, reason }),
    });
    return new Timer(
      scenario.delay,
      async ({ fence, signal }) => {
        const tick: Tick = {
          start: seconds(),
          end: undefined,
          slot: fence?.slot ?? -1,
          epoch: fence?.epoch ?? -1,
        };
        replica.ticks.push(tick);
        await new Promise<void>((resolve) => {
          const handle = clock.setWake(clock.now() + scenario.work * 1000, resolve, false);
          signal.addEventListener("abort", () => {
            clock.clearWake(handle);
            resolve();
          });
        });
        tick.end = seconds();
      },
      { name: "digest", mode: "fixed_rate", lease, driver: clock, logger: quiet },
    );
  });
  // The replicas come up a little apart, as a rolling deploy starts them.
  for (const [i, timer] of timers.entries()) {
    await clock.advance(i === 0 ? 0 : 0.15);
    timer.start();
  }
  await clock.advance(scenario.partitionAt - clock.seconds);
  (links[0] as { down: boolean }).down = true;
  replicas[0]?.events.push({ at: seconds(), what: "partitioned" });
  await clock.advance(scenario.horizon - clock.seconds);
  await clock.runUntil(Promise.all(timers.map((timer) => timer.cancel())));
  const firstSlot = Math.floor(Date.UTC(2024, 0, 1) / (scenario.delay * 1000));
  return { scenario, replicas, firstSlot };
}

const EPOCH_COLOURS = ["#2563eb", "#7c3aed", "#059669", "#d97706"];

/** One lane per replica: its ticks (labelled with their slot, coloured by epoch) and events. */
export function renderFailover(title: string, description: string, trace: FailoverTrace): string {
  const { scenario } = trace;
  // The engine's epochs are large numbers; what matters is their order: number them from 1.
  const first = Math.min(
    ...trace.replicas.flatMap((r) => [
      ...r.ticks.map((t) => t.epoch),
      ...r.events.flatMap((e) => (e.epoch === undefined ? [] : [e.epoch])),
    ]),
  );
  const ordinal = (epoch: number): number => epoch - first + 1;
  const colourOf = (epoch: number): string =>
    EPOCH_COLOURS[(ordinal(epoch) - 1) % EPOCH_COLOURS.length] as string;
  const canvas = new Canvas(scenario.horizon, trace.replicas.length);
  const epochs = new Set<number>();
  trace.replicas.forEach((replica, lane) => {
    const row = canvas.laneTop(lane) + 26;
    canvas.text(16, row + 4, replica.name, `class="label"`);
    const held = replica.ticks.length;
    canvas.text(16, row + 20, `${held} tick${held === 1 ? "" : "s"} run`, `class="small"`);
    canvas.add(
      `<line x1="${canvas.x(0)}" y1="${row + 10}" x2="${canvas.x(scenario.horizon)}" y2="${row + 10}" stroke="${COLOURS.grid}"/>`,
    );
    for (const tick of replica.ticks) {
      epochs.add(tick.epoch);
      const x = canvas.x(tick.start);
      const end = Math.min(tick.end ?? scenario.horizon, scenario.horizon);
      const width = Math.max(3, canvas.x(end) - x);
      const slot = tick.slot - trace.firstSlot;
      canvas.add(
        `<rect x="${x}" y="${row}" width="${width}" height="20" rx="3" fill="${colourOf(tick.epoch)}"><title>slot ${slot}, epoch ${ordinal(tick.epoch)}: ${fmt(tick.start)}–${tick.end === undefined ? "…" : fmt(tick.end)} s</title></rect>`,
      );
      if (width > 14) {
        canvas.text(x + width / 2, row + 14, String(slot), `text-anchor="middle" class="inside"`);
      }
    }
    replica.events.forEach((event, i) => {
      const x = canvas.x(event.at);
      const colour = event.what === "gained" ? COLOURS.ink : COLOURS.skipped;
      const text =
        event.what === "partitioned"
          ? "link to the engine cut"
          : event.what === "gained"
            ? `gained the lease, epoch ${ordinal(event.epoch as number)}`
            : `lost epoch ${ordinal(event.epoch as number)} (${event.reason})`;
      canvas.add(
        `<line x1="${x}" y1="${row - 16}" x2="${x}" y2="${row + 24}" stroke="${colour}" stroke-width="1.5"/>`,
      );
      canvas.text(
        x + 4,
        row - 18 + (i % 2) * 52,
        `${text} at ${fmt(event.at)} s`,
        `class="small" fill="${colour}"`,
      );
    });
  });
  canvas.axis();
  canvas.legend(
    [...epochs]
      .sort((a, b) => a - b)
      .map((epoch) => [
        `<rect x="{x}" y="{y}" width="14" height="10" rx="2" fill="${colourOf(epoch)}" transform="translate(0 -6)"/>`,
        `tick under epoch ${ordinal(epoch)} (the number is its slot)`,
      ]),
  );
  return canvas.svg(title, description);
}
