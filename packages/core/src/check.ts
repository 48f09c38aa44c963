/**
 * Argument checks shared by every public call of core. Each throws at the call that received the
 * bad value, with one message shape everywhere: `<argument> must be <expectation>; got <value>`
 * (a `TypeError` for the wrong kind of value, a `RangeError` for a value of the right kind out of
 * range). One helper rather than a sentence per call site, so the shape cannot drift.
 *
 * @module
 */

/**
 * A short description of a bad argument for an error message. A value that cannot be described
 * (a revoked proxy) throws a `TypeError` of its own, which is still one at the call.
 */
export function describe(value: unknown): string {
  try {
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
    if (typeof value === "bigint") return `${value}n`; // String(10n) is "10": it would hide the type
    if (value === null || typeof value !== "object") return String(value);
    return Array.isArray(value)
      ? "an array"
      : `an object (${Object.prototype.toString.call(value)})`;
  } catch {
    return "an object that throws when inspected (a revoked Proxy?)";
  }
}

/** The error for a bad argument: a `RangeError` when `range`, else a `TypeError`. */
export function invalid(
  argument: string,
  expectation: string,
  value: unknown,
  range?: boolean,
  cause?: unknown,
): Error {
  const message = `${argument} must be ${expectation}; got ${describe(value)}`;
  const options = cause === undefined ? undefined : { cause };
  return range ? new RangeError(message, options) : new TypeError(message, options);
}

/** An optional argument: `undefined`, or a value whose `typeof` is `type`. */
export function checkOptional(
  value: unknown,
  type: "string" | "function" | "boolean",
  argument: string,
): void {
  if (value !== undefined && typeof value !== type) throw invalid(argument, `a ${type}`, value);
}

/** An optional name: `undefined` or a non-empty string (an empty one would vanish from messages). */
export function checkName(value: unknown, argument: string): void {
  checkOptional(value, "string", argument);
  if (value === "") throw invalid(argument, "a non-empty string", value, true);
}

/**
 * An options bag: `undefined`, or an object whose own keys are all in `known` (a space-separated
 * list). An unknown key is a typo until proven otherwise: it names the closest known key.
 */
export function checkOptions(value: unknown, argument: string, known: string): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null) throw invalid(argument, "an object", value);
  // An options bag is checked at every call, a constructor's in a loop too, and such calls pass
  // bags of one shape: the known keys of the last bag checked are kept, and a bag whose keys are
  // those same strings, in the same order, is known good at the cost of a comparison per key.
  // Only keys found in `known` are kept, so no bag (a Proxy's lying traps included) can make
  // the shortcut vouch for an unknown one.
  const last = lastBag;
  let keys: string[] | undefined = last.known === known ? undefined : [];
  let count = 0;
  for (const key in value) {
    if (keys === undefined) {
      if (last.keys[count++] === key) continue;
      keys = last.keys.slice(0, count - 1);
    }
    if (knownKeys(known).has(key)) keys.push(key);
    else if (Object.hasOwn(value, key)) {
      const near = [...knownKeys(known)].find(
        (candidate) => edits(key.toLowerCase(), candidate.toLowerCase()) < 1 + key.length / 3,
      );
      throw new TypeError(
        `${argument} has an unknown key ${describe(key)}${near === undefined ? "" : `; did you mean "${near}"?`}`,
      );
    }
  }
  if (keys !== undefined) lastBag = { known, keys };
}

/** The known keys of the last options bag checked, in its order, and the list they are in. */
let lastBag: { readonly known: string; readonly keys: readonly string[] } = { known: "", keys: [] };

/** The known keys as a set, made once per list. */
function knownKeys(known: string): Set<string> {
  let keys = KNOWN.get(known);
  if (keys === undefined) {
    keys = new Set(known.split(" "));
    KNOWN.set(known, keys);
  }
  return keys;
}

const KNOWN = new Map<string, Set<string>>();

/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
function edits(a: string, b: string): number {
  let row = [...Array(b.length + 1).keys()];
  for (const char of a) {
    const next = [row[0]! + 1];
    row.forEach((up, j) => {
      if (j > 0)
        next.push(Math.min(up + 1, next[j - 1]! + 1, row[j - 1]! + (char === b[j - 1] ? 0 : 1)));
    });
    row = next;
  }
  return row[b.length]!;
}

/** A count (a queue bound, a number of ticks): a non-negative integer. */
export function checkCount(value: unknown, argument: string): number {
  if (typeof value !== "number") throw invalid(argument, "a number", value);
  if (!Number.isInteger(value) || value < 0) {
    throw invalid(argument, "a non-negative integer", value, true);
  }
  return value;
}
