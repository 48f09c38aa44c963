import type { Driver, Logger, WakeHandle } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import type { LeaseStore } from "../src/index.js";

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly error?: unknown;
}

/** A logger that keeps its lines (a test that expects log lines never prints them). */
export function capture(): Logger & { lines: LogLine[]; messages(level?: string): string[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, error?: unknown) => {
    lines.push(error === undefined ? { level, message } : { level, message, error });
  };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    messages: (level) =>
      lines
        .filter((line) => level === undefined || line.level === level)
        .map((line) => line.message),
  };
}

/** A virtual clock whose wall time starts at a round epoch (engine time for memory stores). */
export function virtualClock(): VirtualClock {
  return new VirtualClock({ stallTimeout: 0, epoch: Date.UTC(2024, 0, 1) });
}

/**
 * A driver over `clock` for one replica: its readings are offset by `skew` ms (clock skew), and it
 * can be frozen (a SIGSTOP): its wakes are held until `resume()`, then fire late, as a stopped
 * process's timers do.
 */
export function replicaDriver(
  clock: VirtualClock,
  skew = 0,
): Driver & {
  freeze(): void;
  resume(): void;
} {
  let frozen = false;
  let held: (() => void)[] = [];
  return {
    now: () => clock.now() + skew,
    wallNow: () => clock.wallNow() + skew,
    random: () => clock.random(),
    setWake(at: number, wake: () => void, unref: boolean): WakeHandle {
      const box = { cancelled: false, handle: undefined as WakeHandle };
      box.handle = clock.setWake(
        at - skew,
        () => {
          if (box.cancelled) return;
          if (frozen) held.push(() => !box.cancelled && wake());
          else wake();
        },
        unref,
      );
      return box;
    },
    clearWake(handle: WakeHandle) {
      const box = handle as { cancelled: boolean; handle: WakeHandle };
      box.cancelled = true;
      clock.clearWake(box.handle);
    },
    freeze() {
      frozen = true;
    },
    resume() {
      frozen = false;
      const due = held;
      held = [];
      for (const wake of due) wake();
    },
  };
}

/** A store that can be cut off from the engine (every call fails) and reconnected. */
export function cutOff(store: LeaseStore): LeaseStore & { down: boolean; calls: number } {
  const wrapped = {
    down: false,
    calls: 0,
    claim: (input: Parameters<LeaseStore["claim"]>[0]) => wrapped.call(() => store.claim(input)),
    renew: (input: Parameters<LeaseStore["renew"]>[0]) => wrapped.call(() => store.renew(input)),
    release: (input: Parameters<LeaseStore["release"]>[0]) =>
      wrapped.call(() => store.release(input)),
    call<T>(operation: () => Promise<T>): Promise<T> {
      wrapped.calls++;
      return wrapped.down ? Promise.reject(new Error("ECONNREFUSED (test)")) : operation();
    },
  };
  return wrapped;
}
