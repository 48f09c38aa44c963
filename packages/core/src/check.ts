/**
 * Argument checks shared by every public call of core. Each throws at the call that received the
 * bad value, with one message shape everywhere: `<argument> must be <expectation>; got <value>`
 * (a `TypeError` for the wrong kind of value, a `RangeError` for a value of the right kind out of
 * range). One helper rather than a sentence per call site, so the shape cannot drift.
 *
 * @module
 */

/** A short, safe description of a bad argument for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "bigint") return `${value}n`; // String(10n) is "10": it would hide the type
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : `an object (${Object.prototype.toString.call(value)})`;
}

/** The error for a bad argument: a `RangeError` when `range`, else a `TypeError`. */
export function invalid(
  argument: string,
  expectation: string,
  value: unknown,
  range?: boolean,
): Error {
  const message = `${argument} must be ${expectation}; got ${describe(value)}`;
  return range ? new RangeError(message) : new TypeError(message);
}

/** An optional argument: `undefined`, or a value whose `typeof` is `type`. */
export function checkOptional(value: unknown, type: "string" | "function", argument: string): void {
  if (value !== undefined && typeof value !== type) throw invalid(argument, `a ${type}`, value);
}

/** An options bag: `undefined` or an object. */
export function checkOptions(value: unknown, argument = "options"): void {
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw invalid(argument, "an object", value);
  }
}

/** A count (a queue bound, a number of ticks): a non-negative integer. */
export function checkCount(value: unknown, argument: string): number {
  if (typeof value !== "number") throw invalid(argument, "a number", value);
  if (!Number.isInteger(value) || value < 0) {
    throw invalid(argument, "a non-negative integer", value, true);
  }
  return value;
}
