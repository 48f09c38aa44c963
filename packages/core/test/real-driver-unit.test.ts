/** The real driver in-process, with the globals it looks up replaced by spies. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { realDriver } from "../src/index.js";

interface FakeHandle {
  id: number;
  delay: number;
  callback: () => void;
  unref: ReturnType<typeof vi.fn>;
  refresh: ReturnType<typeof vi.fn>;
}

function fakeTimers(now = 1000) {
  const handles: FakeHandle[] = [];
  const cleared: unknown[] = [];
  const setTimeoutSpy = vi.fn((callback: () => void, delay: number) => {
    const handle: FakeHandle = {
      id: handles.length + 1,
      delay,
      callback,
      unref: vi.fn(),
      refresh: vi.fn(),
    };
    handles.push(handle);
    return handle;
  });
  vi.stubGlobal("setTimeout", setTimeoutSpy);
  vi.stubGlobal("clearTimeout", (handle: unknown) => cleared.push(handle));
  let current = now;
  vi.spyOn(performance, "now").mockImplementation(() => current);
  return { handles, cleared, setTimeoutSpy, advanceTo: (t: number) => (current = t) };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("realDriver", () => {
  it("arms setTimeout with whole milliseconds, rounded up, never negative", () => {
    const fake = fakeTimers(1000);
    realDriver.setWake(1009.2, () => {}, false);
    realDriver.setWake(900, () => {}, false);
    expect(fake.handles.map((handle) => handle.delay)).toEqual([10, 0]);
  });

  it("unrefs the handle only when asked", () => {
    const fake = fakeTimers();
    realDriver.setWake(2000, () => {}, true);
    realDriver.setWake(2000, () => {}, false);
    expect(fake.handles[0]?.unref).toHaveBeenCalledTimes(1);
    expect(fake.handles[1]?.unref).not.toHaveBeenCalled();
  });

  it("unrefs Deno's numeric timer ids through Deno.unrefTimer", () => {
    vi.stubGlobal(
      "setTimeout",
      vi.fn(() => 42),
    );
    const unrefTimer = vi.fn();
    vi.stubGlobal("Deno", { unrefTimer });
    realDriver.setWake(performance.now() + 10, () => {}, true);
    expect(unrefTimer).toHaveBeenCalledWith(42);
  });

  it("re-arms a spent handle with refresh() when the delay is the same", () => {
    const fake = fakeTimers(1000);
    const wake = () => {};
    const first = realDriver.setWake(1010, wake, false);
    fake.advanceTo(1010);
    const second = realDriver.setWake(1020, wake, false, first);
    expect(second).toBe(first);
    expect(fake.setTimeoutSpy).toHaveBeenCalledTimes(1);
    expect(fake.handles[0]?.refresh).toHaveBeenCalledTimes(1);
  });

  it("arms a new timeout when the delay changed, after a clear, or when setTimeout was replaced", () => {
    const fake = fakeTimers(1000);
    const wake = () => {};
    const handle = realDriver.setWake(1010, wake, false);
    realDriver.setWake(1020, wake, false, handle); // 20 ms, not 10
    expect(fake.setTimeoutSpy).toHaveBeenCalledTimes(2);
    expect(fake.cleared).toEqual([fake.handles[0]]); // re-armed: the old one can never fire too
    realDriver.clearWake(handle);
    expect(fake.cleared).toEqual([fake.handles[0], fake.handles[1]]);
    realDriver.setWake(1020, wake, false, handle); // cleared handles are not refreshed
    expect(fake.setTimeoutSpy).toHaveBeenCalledTimes(3);
    const replaced = vi.fn(() => ({ refresh: vi.fn(), unref: vi.fn() }));
    vi.stubGlobal("setTimeout", replaced); // e.g. fake timers installed now
    realDriver.setWake(1020, wake, false, handle);
    expect(replaced).toHaveBeenCalledTimes(1);
  });

  it("clears a handle with the clearTimeout of the API that armed it, even if replaced since", () => {
    const fake = fakeTimers(1000);
    const handle = realDriver.setWake(1010, () => {}, false);
    const laterClear = vi.fn();
    vi.stubGlobal("clearTimeout", laterClear); // e.g. fake timers installed after start()
    realDriver.clearWake(handle);
    expect(fake.cleared).toEqual([fake.handles[0]]);
    expect(laterClear).not.toHaveBeenCalled();
  });

  it("calls clearTimeout bare, as browsers require of their globals", () => {
    fakeTimers(1000);
    const receivers: unknown[] = [];
    vi.stubGlobal("clearTimeout", function (this: unknown) {
      receivers.push(this);
    });
    const handle = realDriver.setWake(1010, () => {}, false);
    realDriver.clearWake(handle);
    expect(receivers).toEqual([undefined]);
  });

  it("splits a sleep longer than setTimeout can hold and wakes only at the end", () => {
    const fake = fakeTimers(0);
    const max = 2 ** 31 - 1;
    const wake = vi.fn();
    realDriver.setWake(2.5 * max, wake, true);
    expect(fake.handles.map((handle) => handle.delay)).toEqual([max]);
    expect(fake.handles[0]?.unref).toHaveBeenCalled();
    fake.advanceTo(max);
    fake.handles[0]?.callback();
    expect(fake.handles.map((handle) => handle.delay)).toEqual([max, max]);
    fake.advanceTo(2 * max);
    fake.handles[1]?.callback();
    expect(fake.handles.at(-1)?.delay).toBe(Math.ceil(0.5 * max));
    expect(wake).not.toHaveBeenCalled();
    fake.handles.at(-1)?.callback();
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it("ignores handles it did not make, and reads the clocks it is named after", () => {
    expect(() => realDriver.clearWake(undefined)).not.toThrow();
    expect(() => realDriver.clearWake(123)).not.toThrow();
    expect(realDriver.wallNow()).toBeGreaterThan(1_600_000_000_000);
    const sample = realDriver.random();
    expect(sample >= 0 && sample < 1).toBe(true);
  });
});
