/**
 * `@every` is a standard (TC39) decorator. These tests make sure the decorators in this
 * package's tests really run with standard semantics (see `test/support/standard-decorators.ts`:
 * they are compiled by `tsc` with `experimentalDecorators` off), and show what happens to code
 * compiled either way by the real TypeScript compiler.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as decorators from "../src/index.js";
import { every, timerOf, timersOf } from "../src/index.js";

describe("the tests' own decorators", () => {
  it("are compiled with standard semantics: (value, context), initializers before fields", () => {
    const seen: string[] = [];
    function probe(value: unknown, context: ClassMethodDecoratorContext): void {
      seen.push(`${typeof value} ${context.kind} ${String(context.name)}`);
      context.addInitializer(() => seen.push("initializer"));
    }
    class Probed {
      field = seen.push("field");
      @probe
      method() {}
    }
    expect(seen).toEqual(["function method method"]);
    new Probed();
    expect(seen).toEqual(["function method method", "initializer", "field"]);
  });
});

describe("Symbol.metadata", () => {
  it("is not needed, and does no harm where it exists", () => {
    const had = Object.getOwnPropertyDescriptor(Symbol, "metadata");
    if (had === undefined) {
      Object.defineProperty(Symbol, "metadata", {
        value: Symbol("Symbol.metadata"),
        configurable: true,
      });
    }
    try {
      class WithMetadata {
        @every(1)
        poll() {}
      }
      const key = (Symbol as unknown as { metadata: symbol }).metadata;
      expect(typeof (WithMetadata as unknown as Record<symbol, unknown>)[key]).toBe("object");
      expect(timersOf(new WithMetadata()).size).toBe(1);
      expect(timerOf(new WithMetadata(), "poll").name).toBe("WithMetadata.poll");
    } finally {
      if (had === undefined) delete (Symbol as { metadata?: symbol }).metadata;
    }
  });
});

/** A consumer's module, compiled by `tsc` and run against this package. */
const consumer = `
import { every, timerOf } from "@async-timer/decorators";

export class Poller {
  count = 0;
  @every(1)
  poll() {
    return ++this.count;
  }
}
export const timer = timerOf(new Poller(), "poll");
`;

function compileAndRun(experimentalDecorators: boolean): Record<string, unknown> {
  const { outputText } = ts.transpileModule(consumer, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      experimentalDecorators,
    },
  });
  const exports: Record<string, unknown> = {};
  const require = (id: string) => {
    if (id !== "@async-timer/decorators") throw new Error(`unexpected import ${id}`);
    return decorators;
  };
  new Function("exports", "require", outputText)(exports, require);
  return exports;
}

describe("code compiled by tsc", () => {
  it("works in standard mode (experimentalDecorators off)", () => {
    const { timer } = compileAndRun(false);
    expect(String(timer)).toBe("Timer(Poller.poll, delay=1s, fixed_delay, idle, hits=0)");
  });

  it("fails at class definition, saying what to change, with experimentalDecorators on", () => {
    expect(() => compileAndRun(true)).toThrow(
      new TypeError(
        "@every is a standard (TC39, TypeScript 5) decorator, but it was called with legacy decorator arguments: turn experimentalDecorators off in tsconfig.json",
      ),
    );
  });
});
