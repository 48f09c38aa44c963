import { describe, expect, it } from "vitest";
import { Timer } from "../src/index.js";
import { clock, recordingLogger, sleep } from "./helpers.js";

/** Runs `timer` for `ticks` ticks of 1 s and returns the values delivered. */
async function values<T>(
  timer: Timer<T>,
  c: ReturnType<typeof clock>,
  seconds: number,
): Promise<T[]> {
  const feed = timer.subscribe();
  timer.start();
  await c.advance(seconds);
  await timer.cancel();
  const out: T[] = [];
  for await (const value of feed) out.push(value);
  return out;
}

describe("target shapes", () => {
  it("a sync function", async () => {
    const c = clock();
    let n = 0;
    expect(await values(new Timer(1, () => ++n, { driver: c }), c, 2)).toEqual([1, 2, 3]);
  });

  it("an async function: the tick's value is what its promise resolves to", async () => {
    const c = clock();
    let n = 0;
    const timer = new Timer(
      1,
      async () => {
        await sleep(c, 10);
        return `v${++n}`;
      },
      { driver: c },
    );
    expect(await values(timer, c, 2.1)).toEqual(["v1", "v2", "v3"]); // ticks at 0, 1.01, 2.02 s
  });

  it("a function returning a thenable that is not a Promise", async () => {
    const c = clock();
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is the point of this test
      then: (resolve: (value: number) => void) => resolve(7),
    } as PromiseLike<number>;
    expect(await values(new Timer(1, () => thenable, { driver: c }), c, 1)).toEqual([7, 7]);
  });

  it("a sync generator function: one yield per tick, not called again", async () => {
    const c = clock();
    let calls = 0;
    const timer = new Timer(
      1,
      function* () {
        calls++;
        for (let i = 0; ; i++) yield i * i;
      },
      { driver: c },
    );
    expect(await values(timer, c, 3)).toEqual([0, 1, 4, 9]);
    expect(calls).toBe(1);
  });

  it("a sync generator yielding promises: each is awaited", async () => {
    const c = clock();
    const timer = new Timer(
      1,
      function* () {
        yield Promise.resolve("a");
        yield Promise.resolve("b");
      },
      { driver: c },
    );
    expect(await values(timer, c, 5)).toEqual(["a", "b"]);
  });

  it("an async generator function", async () => {
    const c = clock();
    const timer = new Timer(
      1,
      async function* ({ signal }) {
        for (let i = 0; !signal.aborted; i++) {
          await sleep(c, 5);
          yield `#${i}`;
        }
      },
      { driver: c },
    );
    expect(await values(timer, c, 2.1)).toEqual(["#0", "#1", "#2"]);
  });

  it("a generator object given directly", async () => {
    const c = clock();
    async function* countdown() {
      yield 3;
      yield 2;
      yield 1;
    }
    expect(await values(new Timer(1, countdown(), { driver: c }), c, 10)).toEqual([3, 2, 1]);
  });

  it("an iterator that is not a generator", async () => {
    const c = clock();
    expect(await values(new Timer(1, new Set(["x", "y"]).values(), { driver: c }), c, 5)).toEqual([
      "x",
      "y",
    ]);
  });

  it("a function returning an object that merely has next() gives that object as the value", async () => {
    const c = clock();
    const cursor = { next: () => 1 };
    expect(await values(new Timer(1, () => cursor, { driver: c }), c, 0)).toEqual([cursor]);
  });

  it("a generator that throws fails the tick with its error", async () => {
    const c = clock();
    const timer = new Timer(
      1,
      function* () {
        yield 1;
        throw new Error("generator broke");
      },
      { driver: c, logger: recordingLogger() },
    );
    timer.start();
    expect(await timer.join()).toBe(1);
    await expect(c.runUntil(timer.join())).rejects.toThrow("generator broke");
    expect(timer.isRunning()).toBe(false);
  });

  it("an iterator whose next() gives a non-object fails the tick with a TypeError", async () => {
    const c = clock();
    const bad = {
      next: () => 42,
      [Symbol.iterator]() {
        return this;
      },
    };
    const timer = new Timer(1, bad as unknown as Iterator<number>, {
      driver: c,
      logger: recordingLogger(),
    });
    timer.start();
    await expect(timer.join()).rejects.toThrow(TypeError);
  });

  describe("a thenable or iterator result that throws when read fails the tick, as await would", () => {
    const thenThrows = () => ({
      // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point
      then() {
        throw new Error("then threw");
      },
    });
    const thenGetterThrows = () =>
      // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point
      Object.defineProperty({}, "then", {
        get() {
          throw new Error("then getter threw");
        },
      });
    const doneGetterThrows = () =>
      Object.defineProperty({ value: 1 }, "done", {
        get() {
          throw new Error("done getter threw");
        },
      });
    const asyncSource = (result: () => unknown) => ({
      next: async () => result(),
      [Symbol.asyncIterator]() {
        return this;
      },
    });
    const cases: [string, () => unknown, string][] = [
      ["a function returning a thenable whose then throws", thenThrows, "then threw"],
      [
        "a function returning a thenable whose then getter throws",
        thenGetterThrows,
        "then getter threw",
      ],
      [
        "an async source yielding such a thenable",
        () => asyncSource(() => ({ done: false, value: thenThrows() })),
        "then threw",
      ],
      [
        "an async source whose result's done getter throws",
        () => asyncSource(doneGetterThrows),
        "done getter threw",
      ],
      [
        "a sync source whose result's done getter throws",
        () => ({
          next: doneGetterThrows,
          [Symbol.iterator]() {
            return this;
          },
        }),
        "done getter threw",
      ],
    ];

    it.each(cases)("%s", async (_name, target, message) => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      try {
        const c = clock();
        const errors: unknown[] = [];
        const timer = new Timer(1, target as () => number, {
          driver: c,
          onError: (error) => {
            errors.push(error);
            return "continue";
          },
        }).start();
        await c.advance(2.5);
        expect(errors).toEqual([new Error(message), new Error(message), new Error(message)]);
        await c.runUntil(timer.cancel()); // nothing is left in flight
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(unhandled).toEqual([]);
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
    });
  });

  it("is called with `this` undefined and a TickContext", async () => {
    const c = clock();
    let seen: unknown[] = [];
    const timer = new Timer(
      1,
      function (this: unknown, ctx) {
        seen = [this, ctx.hitCount, ctx.signal instanceof AbortSignal];
      },
      { driver: c },
    ).start();
    await c.settle();
    expect(seen).toEqual([undefined, 0, true]);
    await timer.cancel();
  });

  it("every tick gets its own signal, so a target may listen to it without leaking", async () => {
    const c = clock();
    const signals: AbortSignal[] = [];
    const timer = new Timer(1, ({ signal }) => signals.push(signal), { driver: c }).start();
    await c.advance(1);
    await timer.cancel();
    timer.start();
    await c.settle();
    await timer.cancel();
    expect(signals).toHaveLength(3);
    expect(new Set(signals).size).toBe(3);
  });
});
