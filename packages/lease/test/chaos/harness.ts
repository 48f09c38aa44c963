/**
 * The chaos run: N child processes each run the same leased timer (replica.mjs) against a
 * throwaway engine, each through its own TCP proxy; the parent kills (-9), pauses (SIGSTOP),
 * partitions and disconnects the holder and restarts the engine on a schedule, then reads the
 * append-only record of every tick start (slot, replica, epoch) and measures the promises.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type TcpProxy, tcpProxy } from "../../src/testing.js";
import { type Throwaway, throwawayPostgres, throwawayRedis } from "../servers.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..", "..");

export type ChaosEngine = "postgres" | "ioredis" | "node-redis";
export type ChaosEventKind = "kill" | "stop" | "partition" | "drop" | "restart";

export interface ChaosConfig {
  readonly engine: ChaosEngine;
  readonly replicas: number;
  /** Milliseconds. */
  readonly delay: number;
  readonly ttl: number;
  readonly renew: number;
  /** Clock offset of each replica, ms (missing: 0). */
  readonly skews: readonly number[];
  /** How long a tick works, ms (0: returns at once). */
  readonly work: number;
  /** Run length, ms from the first tick. */
  readonly duration: number;
  /** What happens, and when (ms from the first tick). */
  readonly events: readonly { readonly at: number; readonly kind: ChaosEventKind }[];
}

export interface RecordLine {
  readonly t: string;
  readonly replica: number;
  readonly wall: number;
  readonly slot?: number;
  readonly epoch?: number;
  readonly count?: number;
  readonly from?: number;
  readonly to?: number;
  readonly reason?: string;
  readonly message?: string;
}

export interface Failover {
  readonly kind: ChaosEventKind;
  readonly victim: number;
  /** ms from the event to the first tick started by another replica. */
  readonly ms: number;
  /** Slots between the victim's last start before the event and the next start, not started. */
  readonly missed: number;
}

export interface ChaosReport {
  readonly config: ChaosConfig;
  readonly lines: readonly RecordLine[];
  readonly starts: readonly RecordLine[];
  readonly duplicates: readonly number[];
  /** Later slots started with an older epoch than an earlier slot (a fencing breach). */
  readonly epochInversions: number;
  readonly slots: number;
  readonly missed: number;
  readonly reportedMissed: number;
  readonly failovers: readonly Failover[];
  readonly restarts: readonly {
    readonly downMs: number;
    readonly recoveredMs: number;
    readonly missed: number;
  }[];
  /** Replicas paused (SIGSTOP) while holding, and what they recorded after SIGCONT. */
  readonly stops: readonly {
    readonly victim: number;
    readonly lost: boolean;
    readonly startedStale: boolean;
  }[];
  readonly startsByReplica: Record<number, number>;
  readonly elapsedMs: number;
}

function builtOrThrow(): void {
  const dist = join(packageDir, "dist", "index.js");
  const src = join(packageDir, "src");
  if (!existsSync(dist)) {
    throw new Error(
      `${dist} is missing: the chaos run uses the built package; run "pnpm build" first (the root "pnpm test" does)`,
    );
  }
  const built = statSync(dist).mtimeMs;
  for (const file of ["lease.ts", "store.ts", "postgres.ts", "redis.ts"]) {
    if (statSync(join(src, file)).mtimeMs > built + 1000) {
      throw new Error(`packages/lease/dist is older than src/${file}: run "pnpm build" first`);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function read(record: string): RecordLine[] {
  if (!existsSync(record)) return [];
  return readFileSync(record, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RecordLine);
}

export async function runChaos(config: ChaosConfig): Promise<ChaosReport> {
  builtOrThrow();
  const dir = mkdtempSync(join(tmpdir(), "async-timer-chaos-"));
  const record = join(dir, "record.jsonl");
  const server: Throwaway =
    config.engine === "postgres" ? await throwawayPostgres() : await throwawayRedis();
  const children = new Map<number, ChildProcess>();
  const proxies = new Map<number, TcpProxy>();
  const started = Date.now();
  try {
    const spawnReplica = async (replica: number): Promise<void> => {
      const proxy = await tcpProxy({ port: server.port });
      proxies.set(replica, proxy);
      const url = new URL(server.url);
      url.port = String(proxy.port);
      const child = spawn(
        process.execPath,
        [
          join(here, "replica.mjs"),
          JSON.stringify({
            replica,
            engine: config.engine,
            url: url.toString(),
            record,
            delay: config.delay,
            ttl: config.ttl,
            renew: config.renew,
            skew: config.skews[replica % config.skews.length] ?? 0,
            work: config.work,
            table: "chaos_lease",
            prefix: "chaos:",
          }),
        ],
        { cwd: packageDir, stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr?.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("exit", (code, signal) => {
        if (code !== 0 && code !== null && signal === null) {
          console.error(`chaos replica ${replica} exited with ${code}: ${stderr}`);
        }
      });
      children.set(replica, child);
    };
    let next = 0;
    for (; next < config.replicas; next++) await spawnReplica(next);

    // The first tick: time 0 of the schedule.
    const deadline = Date.now() + 30_000;
    while (!read(record).some((line) => line.t === "start")) {
      if (Date.now() > deadline)
        throw new Error(`no replica ticked within 30 s: ${readFileSync(record, "utf8")}`);
      await sleep(50);
    }
    const zero = Date.now();
    const marks: { kind: ChaosEventKind; victim: number; at: number; until: number }[] = [];
    const holder = (): number => {
      const starts = read(record).filter((line) => line.t === "start");
      return (starts[starts.length - 1] as RecordLine).replica;
    };
    for (const event of [...config.events].sort((a, b) => a.at - b.at)) {
      const wait = zero + event.at - Date.now();
      if (wait > 0) await sleep(wait);
      const victim = holder();
      const child = children.get(victim);
      const proxy = proxies.get(victim);
      const at = Date.now();
      switch (event.kind) {
        case "kill":
          child?.kill("SIGKILL");
          children.delete(victim);
          marks.push({ kind: "kill", victim, at, until: at });
          await sleep(100);
          await spawnReplica(next++);
          break;
        case "stop":
          child?.kill("SIGSTOP");
          await sleep(2 * config.ttl);
          child?.kill("SIGCONT");
          marks.push({ kind: "stop", victim, at, until: Date.now() });
          break;
        case "partition":
          proxy?.blackhole();
          await sleep(2 * config.ttl);
          proxy?.heal();
          marks.push({ kind: "partition", victim, at, until: Date.now() });
          break;
        case "drop":
          proxy?.drop();
          marks.push({ kind: "drop", victim, at, until: at });
          break;
        case "restart":
          await server.restart();
          marks.push({ kind: "restart", victim: -1, at, until: Date.now() });
          break;
      }
    }
    const end = zero + config.duration - Date.now();
    if (end > 0) await sleep(end);
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill("SIGKILL"), 5000);
            child.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
    return analyse(config, read(record), marks, Date.now() - started);
  } finally {
    for (const child of children.values()) child.kill("SIGKILL");
    await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
    await server.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

function analyse(
  config: ChaosConfig,
  lines: RecordLine[],
  marks: { kind: ChaosEventKind; victim: number; at: number; until: number }[],
  elapsedMs: number,
): ChaosReport {
  const starts = lines.filter((line) => line.t === "start");
  const seen = new Set<number>();
  const duplicates: number[] = [];
  for (const start of starts) {
    const slot = start.slot as number;
    if (seen.has(slot)) duplicates.push(slot);
    seen.add(slot);
  }
  const bySlot = [...starts].sort((a, b) => (a.slot as number) - (b.slot as number));
  let epochInversions = 0;
  for (let i = 1; i < bySlot.length; i++) {
    if ((bySlot[i]?.epoch as number) < (bySlot[i - 1]?.epoch as number)) epochInversions++;
  }
  const first = bySlot[0]?.slot ?? 0;
  const last = bySlot[bySlot.length - 1]?.slot ?? -1;
  const slots = last - first + 1;
  const failovers: Failover[] = [];
  const restarts: ChaosReport["restarts"][number][] = [];
  const stops: ChaosReport["stops"][number][] = [];
  for (const mark of marks) {
    const before = starts.filter((s) => s.wall <= mark.at);
    const after = starts.filter((s) => s.wall > mark.at);
    const lastBefore = before[before.length - 1];
    if (mark.kind === "restart") {
      const firstAfter = starts.find((s) => s.wall > mark.until);
      const reported = lines
        .filter((line) => line.t === "missed" && line.wall > mark.at)
        .slice(0, config.replicas)
        .reduce((sum, line) => sum + (line.count ?? 0), 0);
      restarts.push({
        downMs: mark.until - mark.at,
        recoveredMs:
          firstAfter === undefined ? Number.POSITIVE_INFINITY : firstAfter.wall - mark.until,
        missed: reported,
      });
      continue;
    }
    if (mark.kind === "stop") {
      // A stopped process writes nothing: anything it wrote after the stop began, it wrote on
      // waking (possibly a millisecond before the parent read the clock after SIGCONT).
      const later = lines.filter((line) => line.replica === mark.victim && line.wall > mark.at);
      const lost = later.some((line) => line.t === "lost");
      // Its starts after waking: only with an epoch above every epoch used while it was stopped.
      const during = starts.filter(
        (s) => s.wall > mark.at && s.wall < mark.until && s.replica !== mark.victim,
      );
      const top = Math.max(0, ...during.map((s) => s.epoch as number));
      const startedStale = later.some(
        (line) => line.t === "start" && (line.epoch as number) <= top,
      );
      stops.push({ victim: mark.victim, lost, startedStale });
    }
    if (mark.kind === "drop") continue;
    const next = after.find((s) => s.replica !== mark.victim);
    if (next === undefined || lastBefore === undefined) continue;
    failovers.push({
      kind: mark.kind,
      victim: mark.victim,
      ms: next.wall - mark.at,
      missed: (next.slot as number) - (lastBefore.slot as number) - 1,
    });
  }
  const startsByReplica: Record<number, number> = {};
  for (const start of starts)
    startsByReplica[start.replica] = (startsByReplica[start.replica] ?? 0) + 1;
  return {
    config,
    lines,
    starts,
    duplicates,
    epochInversions,
    slots,
    missed: slots - seen.size,
    reportedMissed: lines
      .filter((line) => line.t === "missed")
      .reduce((sum, line) => sum + (line.count ?? 0), 0),
    failovers,
    restarts,
    stops,
    startsByReplica,
    elapsedMs,
  };
}

/** The figures of a run, as printed by `pnpm chaos` and kept in the README. */
export function summary(report: ChaosReport): string {
  const { config } = report;
  const ms = report.failovers.map((f) => f.ms).sort((a, b) => a - b);
  const pick = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? Number.NaN;
  const bound = config.ttl + config.renew + config.delay;
  const missedBound = Math.ceil((config.ttl + config.renew) / config.delay);
  const missed = report.failovers.map((f) => f.missed);
  return [
    `engine ${config.engine}, ${config.replicas} replicas (skews ${config.skews.join("/")} ms), delay ${config.delay} ms, ttl ${config.ttl} ms, renew ${config.renew} ms`,
    `slots ${report.slots}, starts ${report.starts.length}, duplicates ${report.duplicates.length}, epoch inversions ${report.epochInversions}`,
    `missed ${report.missed} (reported by onMissed: ${report.reportedMissed})`,
    `failovers ${ms.length} (kill -9, SIGSTOP 2×ttl, partition 2×ttl): min ${ms[0]} / median ${pick(0.5)} / p90 ${pick(0.9)} / max ${ms[ms.length - 1]} ms (bound ttl+renew+delay = ${bound} ms)`,
    `missed per failover: max ${Math.max(0, ...missed)} (bound ⌈(ttl+renew)/delay⌉ = ${missedBound})`,
    `engine restarts ${report.restarts.length}: down ${report.restarts.map((r) => r.downMs).join("/")} ms, first tick ${report.restarts.map((r) => r.recoveredMs).join("/")} ms after`,
    `stale holders after SIGSTOP: ${report.stops.length}, told (lost) ${report.stops.filter((s) => s.lost).length}, started a stale slot ${report.stops.filter((s) => s.startedStale).length}`,
    `starts by replica: ${JSON.stringify(report.startsByReplica)}; ${(report.elapsedMs / 1000).toFixed(1)} s`,
  ].join("\n");
}
