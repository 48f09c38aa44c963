import { Timer, TimerGroup } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { describe, expect, it } from "vitest";
import {
  openGroup,
  openSubscription,
  openTimer,
  shareGroup,
  shareSubscription,
  shareTimer,
} from "../src/index.js";

const quiet = { warn() {}, error() {} };

function shared() {
  const timer = new Timer(60, () => 1, {
    driver: new VirtualClock({ stallTimeout: 0 }),
    logger: quiet,
  });
  const feed = timer.subscribe({ name: "feed" });
  const group = new TimerGroup([timer]);
  return { timer, feed, group };
}

describe("options of node-threads (#17, point 3; #16, point 8)", () => {
  it("refuse an unknown key, naming it and the key it most likely meant", () => {
    const { timer, feed, group } = shared();
    expect(() => shareTimer(timer, { lastresult: false } as never)).toThrow(
      new TypeError(
        'shareTimer(timer, options): options has an unknown key "lastresult"; did you mean "lastResult"?',
      ),
    );
    expect(() => shareGroup(group, { loger: quiet } as never)).toThrow(
      new TypeError(
        'shareGroup(group, options): options has an unknown key "loger"; did you mean "logger"?',
      ),
    );
    const remote = openTimer(shareTimer(timer));
    expect(() => remote.cancelSync({ timout: 1 } as never)).toThrow(
      new TypeError(
        'cancelSync(options): options has an unknown key "timout"; did you mean "timeout"?',
      ),
    );
    expect(() => remote.trigger({ generaton: 1 } as never)).toThrow(
      /^trigger\(options\): options has an unknown key "generaton"; did you mean "generation"\?$/,
    );
    expect(() => remote.cancel({ force: true } as never)).toThrow(
      new TypeError('cancel(options): options has an unknown key "force"'),
    );
    // A group's and a subscription's calls have no generation.
    const remoteGroup = openGroup(shareGroup(group));
    expect(() => remoteGroup.cancelSync({ generation: 1 } as never)).toThrow(
      new TypeError('cancelSync(options): options has an unknown key "generation"'),
    );
    const remoteFeed = openSubscription(shareSubscription(feed, timer));
    expect(() => remoteFeed.close({ timeOut: 1 } as never)).toThrow(
      /^close\(options\): options has an unknown key "timeOut"; did you mean "timeout"\?$/,
    );
    remote.disconnect();
    remoteGroup.disconnect();
    remoteFeed.disconnect();
  });

  it("check each option by type, at the call", () => {
    const { timer, group } = shared();
    expect(() => shareTimer(timer, { lastResult: "no" } as never)).toThrow(
      new TypeError('shareTimer(timer, options): lastResult must be a boolean; got "no"'),
    );
    expect(() => shareTimer(timer, { logger: { warn: 1 } } as never)).toThrow(
      new TypeError("shareTimer(timer, options): logger.warn must be a function; got 1"),
    );
    expect(() => shareGroup(group, { logger: { error: "loud" } } as never)).toThrow(
      new TypeError('shareGroup(group, options): logger.error must be a function; got "loud"'),
    );
    expect(() => shareGroup(group, { logger: 5 } as never)).toThrow(
      new TypeError("shareGroup(group, options): logger must be an object; got 5"),
    );
  });
});
