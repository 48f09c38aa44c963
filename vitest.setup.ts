/**
 * Loaded before every test file (each project's `setupFiles`, via vitest.shared.ts).
 *
 * `toThrow("message")` and `toThrow(/pattern/)` pass when the thrown or rejected value is
 * `undefined` or `null` (chai's `throws` skips the message check for a falsy error; vitest issue
 * #7260, still so in 4.1). A promise that rejects with nothing would then pass every test that
 * names the error it expects — a mutation run showed one such test. Here those two forms fail
 * on a nullish value instead; every other form of the matcher is left as it is.
 */
import { chai } from "vitest";

chai.use((api, utils) => {
  for (const name of ["toThrow", "toThrowError"]) {
    utils.overwriteMethod(
      api.Assertion.prototype,
      name,
      (original: (...args: unknown[]) => unknown) =>
        function (this: Chai.AssertionStatic, ...args: unknown[]): unknown {
          const expected = args[0];
          const namesMessage = typeof expected === "string" || expected instanceof RegExp;
          if (!namesMessage || utils.flag(this, "negate") === true) {
            return original.apply(this, args);
          }
          const subject: unknown = utils.flag(this, "object");
          if (utils.flag(this, "promise") === "rejects") {
            refuseNullish(subject, expected, "rejected");
            return original.apply(this, args);
          }
          if (typeof subject !== "function") return original.apply(this, args);
          // Watch the call the matcher makes, rather than calling the function a second time.
          let thrown: { value: unknown } | undefined;
          utils.flag(this, "object", (...callArgs: unknown[]) => {
            try {
              return subject(...callArgs);
            } catch (error) {
              thrown = { value: error };
              throw error;
            }
          });
          const result = original.apply(this, args);
          if (thrown !== undefined) refuseNullish(thrown.value, expected, "threw");
          return result;
        },
    );
  }
});

function refuseNullish(value: unknown, expected: string | RegExp, verb: string): void {
  if (value !== undefined && value !== null) return;
  throw new chai.AssertionError(
    `expected an error matching ${String(expected)}, but the code ${verb} with ${String(value)}`,
  );
}
