/**
 * Metric 6 (child): wall time to simulate `--ticks` ticks (86,400: a day) of a one-second timer.
 *
 *   --variant timer-virtual  our Timer on @async-timer/testing's VirtualClock, `advance()`
 *   --variant floor-sinon    the raw setTimeout loop under @sinonjs/fake-timers, `tickAsync()`
 *   --variant timer-sinon    our Timer under @sinonjs/fake-timers (the real driver looks the
 *                            globals up at call time), `tickAsync()`
 *   --variant floor-virtual  a raw loop armed with VirtualClock#setWake: the clock's own cost
 *
 * Time is read with the process.hrtime.bigint captured before fake-timers is installed (it fakes
 * `performance` and `hrtime` too).
 */
import { runChild } from "../lib/child.mjs";

const hrtime = process.hrtime.bigint;
const elapsedMs = (t0) => Number(hrtime() - t0) / 1e6;

runChild(async (args) => {
  const variant = args.variant;
  const ticks = Number(args.ticks ?? 86_400);
  let count = 0;
  const target = async () => {
    count++;
  };
  let elapsed;
  if (variant === "timer-virtual" || variant === "floor-virtual") {
    const { Timer } = await import("@async-timer/core");
    const { VirtualClock } = await import("@async-timer/testing");
    const clock = new VirtualClock({ stallTimeout: 0 });
    let timer;
    let stopped = false;
    if (variant === "timer-virtual") {
      timer = new Timer(1, target, { driver: clock }).start();
    } else {
      const loop = async () => {
        await target();
        if (!stopped) clock.setWake(clock.now() + 1000, loop, false);
      };
      void loop();
    }
    const t0 = hrtime();
    await clock.advance(ticks - 1); // ticks at 0, 1, …, ticks − 1 s
    elapsed = elapsedMs(t0);
    stopped = true;
    await timer?.cancel();
  } else if (variant === "floor-sinon" || variant === "timer-sinon") {
    const { default: FakeTimers } = await import("@sinonjs/fake-timers");
    const { Timer } = await import("@async-timer/core");
    const clock = FakeTimers.install();
    let timer;
    let handle;
    let stopped = false;
    if (variant === "timer-sinon") {
      timer = new Timer(1, target).start();
    } else {
      const loop = async () => {
        await target();
        if (!stopped) handle = setTimeout(loop, 1000);
      };
      void loop();
    }
    const t0 = hrtime();
    await clock.tickAsync((ticks - 1) * 1000);
    elapsed = elapsedMs(t0);
    stopped = true;
    clearTimeout(handle);
    await timer?.cancel();
    clock.uninstall();
  } else {
    throw new RangeError(`unknown variant ${variant}`);
  }
  if (count !== ticks) throw new Error(`${variant}: ${count} ticks; expected ${ticks}`);
  return { variant, ticks: count, value: elapsed };
});
