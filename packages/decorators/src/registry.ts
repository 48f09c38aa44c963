/**
 * Where `@every` keeps what it learned about a class, and the timers it made for each object.
 *
 * Theory of operation. A method decorator never sees its class, and `context.metadata` is only
 * populated where `Symbol.metadata` exists (not Node 20), so nothing is recorded per class.
 * Instead each decorated method adds an initializer; the standard runs it with `this` bound to
 * every new instance (or, for a static method, to the class, once). The initializer records
 * the method's {@link Spec} against that object in a `WeakMap`: an object the program drops
 * takes its records and its timers with it. Records are made in construction order, base class
 * first, so a subclass's decorated override replaces its parent's record for the same name, in
 * place. Timers are made lazily, on the first `timerOf`/`timersOf`, and call the method through
 * `context.access.get`, which resolves overrides (and private methods) at each tick.
 */
import {
  type Duration,
  type TickContext,
  Timer,
  TimerGroup,
  type TimerOptions,
} from "@async-timer/core";

/** What one application of `@every` recorded: the method, and how to schedule it. */
export interface Spec {
  /** The member's name: a string (`"#poll"` for a private method) or a symbol. */
  readonly name: string | symbol;
  readonly isPrivate: boolean;
  /** The method as it was written (what the decorator received). */
  readonly method: Function;
  /** `context.access.get`: the method an object has now (an override, a wrapper, a `#private`). */
  readonly get: (object: object) => unknown;
  readonly delay: Duration;
  /** Checked by `every()`; `cancelOn` already copied into an array, shared by every timer. */
  readonly options: Readonly<TimerOptions<any>>;
}

/**
 * Where a spec sits among an object's timers. Public methods share a slot by name, so an override
 * replaces its parent; each private method has its own (a subclass's `#poll` is another member).
 */
type Slot = string | symbol | Spec;

interface Made {
  readonly timers: Map<Slot, { readonly spec: Spec; readonly timer: Timer<unknown> }>;
  group: TimerGroup | undefined;
}

const recorded = new WeakMap<object, Map<Slot, Spec>>();
const made = new WeakMap<object, Made>();

function slotOf(spec: Spec): Slot {
  return spec.isPrivate ? spec : spec.name;
}

/** Records `spec` for `holder` (an instance under construction, or a class being defined). */
export function record(holder: object, spec: Spec): void {
  let specs = recorded.get(holder);
  if (specs === undefined) {
    specs = new Map();
    recorded.set(holder, specs);
  }
  const slot = slotOf(spec);
  specs.set(slot, spec);
  // Timers requested during construction (a base constructor calling timersOf(this)) already
  // exist: a method recorded later joins them. An override recorded later cannot replace a timer
  // the caller may hold, so that one keeps its schedule (it still calls the override).
  const existing = made.get(holder);
  if (existing !== undefined && !existing.timers.has(slot)) {
    const timer = createTimer(holder, spec);
    existing.timers.set(slot, { spec, timer });
    existing.group?.add(timer);
  }
}

/**
 * The specs that apply to `object`: its own records, and those of the objects on its prototype
 * chain (a subclass constructor inherits its parent's static methods). Private methods are not
 * inherited by a subclass *constructor* — `static #x` lives on its class only — so only the
 * object's own private records count. Base first; a derived record replaces a base one in place.
 */
function specsOf(object: object): Map<Slot, Spec> {
  const chain: object[] = [];
  for (let link: object | null = object; link !== null; link = Object.getPrototypeOf(link)) {
    chain.push(link);
  }
  const specs = new Map<Slot, Spec>();
  for (let i = chain.length - 1; i >= 0; i--) {
    const holder = chain[i] as object;
    const own = recorded.get(holder);
    if (own === undefined) continue;
    for (const [slot, spec] of own) {
      if (spec.isPrivate && holder !== object) continue;
      specs.set(slot, spec);
    }
  }
  return specs;
}

/** The timers of `object`, made on first use. */
export function timersFor(object: object): Made {
  let entry = made.get(object);
  if (entry === undefined) {
    entry = { timers: new Map(), group: undefined };
    for (const [slot, spec] of specsOf(object)) {
      entry.timers.set(slot, { spec, timer: createTimer(object, spec) });
    }
    made.set(object, entry);
  }
  return entry;
}

/** The group of `object`'s timers, made on first use and then always the same. */
export function groupFor(object: object): TimerGroup {
  const entry = timersFor(object);
  entry.group ??= new TimerGroup(
    [...entry.timers.values()].map((made) => made.timer),
    { name: ownerName(object) },
  );
  return entry.group;
}

/** `PriceCache` for an instance of it, or for the class itself. */
export function ownerName(object: object): string {
  const named =
    typeof object === "function" ? object : (object as { constructor?: unknown }).constructor;
  const name = typeof named === "function" ? named.name : "";
  return name === "" ? "(anonymous)" : name;
}

/** `refresh`, `#poll` or `[Symbol(tick)]`, as it follows the class name. */
export function memberName(name: string | symbol): string {
  return typeof name === "symbol" ? `[${String(name)}]` : `.${name}`;
}

function createTimer(owner: object, spec: Spec): Timer<unknown> {
  const name = spec.options.name ?? `${ownerName(owner)}${memberName(spec.name)}`;
  // Looked up at every tick: an override, a wrapper or a test's spy installed later is called.
  const target = (context: TickContext): unknown => {
    const method = spec.get(owner);
    if (typeof method !== "function") {
      throw new TypeError(
        `${name}: ${String(spec.name)} is no longer a method of ${ownerName(owner)}; got ${typeof method}`,
      );
    }
    return method.call(owner, context);
  };
  return new Timer(spec.delay, target, { ...spec.options, name });
}
