/**
 * The diagrams of the guides. Each one runs the real timer on the virtual clock (see
 * `simulate.ts`) and draws what happened; `pnpm docs:build` writes them to `generated/`, where
 * the guides link them. Add a diagram here and link `../generated/<file>` from a guide.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FAILOVER, renderFailover, simulateFailover } from "./failover.js";
import { renderDelivery, renderTimelines } from "./render.js";
import { type Scenario, simulate, simulateDelivery } from "./simulate.js";

export interface Diagram {
  readonly file: string;
  readonly title: string;
  readonly description: string;
  render(): Promise<string>;
}

const timelines = (
  file: string,
  title: string,
  description: string,
  horizon: number,
  scenarios: readonly Scenario[],
): Diagram => ({
  file,
  title,
  description,
  async render() {
    const runs = [];
    for (const scenario of scenarios) runs.push(await simulate(scenario, horizon));
    return renderTimelines(title, description, runs);
  },
});

/** A tick that usually takes 0.4 s, and once takes 2.6 s. */
const oneSlowTick = [0.4, 0.4, 2.6, 0.4];

export const diagrams: readonly Diagram[] = [
  timelines(
    "modes.svg",
    "fixed_delay and fixed_rate, every 2 s, with one slow tick",
    "Two timers with a 2 second delay whose third tick takes 2.6 seconds. Under fixed_delay every sleep is 2 seconds from the end of the previous tick, so the slow tick pushes the rest of the schedule back. Under fixed_rate ticks start on a grid every 2 seconds from the first tick; the slow tick runs past the slot at 6 seconds, which is skipped, and the schedule continues at 8 seconds.",
    14,
    [
      { label: "fixed_delay", delay: 2, durations: oneSlowTick },
      { label: "fixed_rate", delay: 2, mode: "fixed_rate", durations: oneSlowTick },
    ],
  ),
  timelines(
    "skipped-slots.svg",
    "fixed_rate: a long tick skips the slots it ran past",
    "A fixed_rate timer every second whose third tick takes 3.4 seconds. The slots at 3, 4 and 5 seconds pass while it runs; they are skipped, not run back to back, and the timer logs one warning that it skipped 3 slots. The next tick starts at the slot at 6 seconds.",
    10,
    [{ label: "fixed_rate", delay: 1, mode: "fixed_rate", durations: [0.3, 0.3, 3.4, 0.3] }],
  ),
  timelines(
    "jitter.svg",
    "jitter 0.3 under each mode",
    "Two timers every 2 seconds with jitter 0.3. Under fixed_delay each sleep is 2 seconds times a random factor between 0.7 and 1.3, counted from the end of the previous tick. Under fixed_rate each tick is displaced from its own grid slot by at most 0.3 times the delay, so the displacements never add up and never cause a skip.",
    14,
    [
      { label: "fixed_delay", delay: 2, jitter: 0.3, durations: [0.3], seed: 3 },
      { label: "fixed_rate", delay: 2, jitter: 0.3, mode: "fixed_rate", durations: [0.3], seed: 3 },
    ],
  ),
  timelines(
    "initial-delay.svg",
    "initialDelay: the first tick after start()",
    "Without initialDelay the first tick fires at start(). With initialDelay 1.5 seconds it fires 1.5 seconds after start(), and the schedule follows from there; initialDelay is never jittered.",
    9,
    [
      { label: "default", delay: 2, durations: [0.3] },
      { label: "initialDelay", delay: 2, initialDelay: 1.5, durations: [0.3] },
    ],
  ),
  timelines(
    "trigger.svg",
    "trigger(): a tick now, then the schedule resumes",
    "Two timers every 3 seconds; trigger() is called at 4.2 seconds. Each cuts its sleep short and runs a tick at once. Under fixed_delay the next sleep starts when the triggered tick ends; under fixed_rate the grid is re-anchored at the triggered tick, so later slots are 7.2, 10.2 and 13.2 seconds.",
    14,
    [
      { label: "fixed_delay", delay: 3, durations: [0.4], triggers: [4.2] },
      { label: "fixed_rate", delay: 3, mode: "fixed_rate", durations: [0.4], triggers: [4.2] },
    ],
  ),
  {
    file: "delivery.svg",
    title: "Three consumers of one timer, each taking 2.5 s per value",
    description:
      "A fixed_rate timer produces the values 1 to 10, one a second, and is then cancelled. A consumer iterating the timer gets only the latest value when it asks, so it misses the values published while it was busy. An unbounded subscription handles every value in order, finishing long after the timer stopped. A subscription with maxsize 2 keeps at most two waiting values, dropping the oldest, and handles the rest.",
    async render() {
      const trace = await simulateDelivery({ delay: 1, work: 2.5, maxsize: 2, horizon: 9.5 });
      return renderDelivery(this.title, this.description, trace);
    },
  },
  {
    file: "failover.svg",
    title: "A failover: three replicas of one leased timer, the holder cut off from the engine",
    description:
      "Three replicas run the same fixed_rate timer every second with memoryLease (ttl 3 s, renew 1 s); each tick is labelled with its slot and coloured by the epoch it ran under. web-1 holds the lease and claims and runs every slot until its link to the engine is cut at 5.5 s. From then its claims fail, so it runs no slot; when its lease expires it reports the loss (onLost, expired). The next claim of another replica after the expiry takes the lease over under epoch 2 and runs every later slot. The slots between the cut and the takeover run nowhere (missed, reported once), and no slot runs twice.",
    async render() {
      const trace = await simulateFailover(FAILOVER);
      return renderFailover(this.title, this.description, trace);
    },
  },
];

/** Renders every diagram into `directory`; returns the files written. */
export async function writeDiagrams(directory: string): Promise<string[]> {
  mkdirSync(directory, { recursive: true });
  const written: string[] = [];
  for (const diagram of diagrams) {
    const file = join(directory, diagram.file);
    writeFileSync(file, await diagram.render());
    written.push(file);
  }
  return written;
}
