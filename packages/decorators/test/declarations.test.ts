/**
 * The package's declaration files, as npm users get them, compile consumers in standard-decorator
 * mode — with the real TypeScript compiler, `experimentalDecorators` off and no `@types/node` —
 * and turn misuse into compile errors. The declarations are emitted in memory from the current
 * sources with `tsconfig.build.json`; `@async-timer/core` is resolved as published (its `dist`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const coreTypes = join(packageDir, "node_modules/@async-timer/core/dist/index.d.ts");
const consumerDir = join(packageDir, ".consumer");
const installed = join(consumerDir, "node_modules/@async-timer/decorators");

/** The declarations `tsc -p tsconfig.build.json` would write, keyed by path under `dist/`. */
function emitDeclarations(): Map<string, string> {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(packageDir, "tsconfig.build.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (parsed === undefined) throw new Error("tsconfig.build.json could not be read");
  const options = { ...parsed.options, emitDeclarationOnly: true, declarationMap: false };
  const host = ts.createCompilerHost(options);
  const files = new Map<string, string>();
  host.writeFile = (fileName, text) => {
    files.set(fileName.slice(join(packageDir, "dist").length + 1), text);
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options, host });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  return files;
}

/** The package as npm installs it, in memory: its `package.json` with `publishConfig` applied. */
function installation(declarations: Map<string, string>): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const published = { ...manifest, ...manifest.publishConfig };
  const files = new Map<string, string>([
    [join(consumerDir, "package.json"), JSON.stringify({ type: "module" })],
    [join(installed, "package.json"), JSON.stringify(published)],
  ]);
  for (const [name, text] of declarations) files.set(join(installed, "dist", name), text);
  return files;
}

const parsedFiles = new Map<string, ts.SourceFile>();

interface Problem {
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

/** Type-checks `source` as a consumer module would be, against the in-memory installation. */
function check(
  source: string,
  virtual: Map<string, string>,
  overrides: ts.CompilerOptions = {},
): Problem[] {
  const file = join(consumerDir, "consumer.ts");
  const files = new Map(virtual).set(file, source);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"],
    types: [],
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    experimentalDecorators: false,
    ...overrides,
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, directoryExists, getSourceFile } = host;
  const isVirtualDir = (dir: string) =>
    [...files.keys()].some((name) => name.startsWith(`${dir}/`) || dirname(name) === dir);
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  host.directoryExists = (dir) => isVirtualDir(dir) || (directoryExists?.call(host, dir) ?? false);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    if (text !== undefined) return ts.createSourceFile(name, text, language);
    // The standard library and core's declarations are parsed once for all the checks.
    const key = `${name}:${JSON.stringify(language)}`;
    let parsed = parsedFiles.get(key);
    if (parsed === undefined) {
      parsed = getSourceFile.call(host, name, language, ...rest);
      if (parsed !== undefined) parsedFiles.set(key, parsed);
    }
    return parsed;
  };
  const program = ts.createProgram({ rootNames: [file], options, host });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where =
      diagnostic.file !== undefined && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
        : 0;
    const origin = diagnostic.file?.fileName === file ? where : -1;
    return {
      line: origin,
      code: diagnostic.code,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " "),
    };
  });
}

let virtual: Map<string, string>;

beforeAll(() => {
  if (!existsSync(coreTypes)) {
    throw new Error(`${coreTypes} is missing: build first (the root "pnpm test" does).`);
  }
  virtual = installation(emitDeclarations());
}, 30_000);

const service = `
import type { TickContext, Timer, TimerGroup } from "@async-timer/core";
import { every, timerOf, timersOf } from "@async-timer/decorators";

declare function fetchPrices(signal: AbortSignal): Promise<[string, number][]>;

export class PriceCache {
  prices = new Map<string, number>();

  @every(5, { mode: "fixed_rate", name: "price_refresh" })
  async refresh({ signal }: TickContext) {
    for (const [symbol, price] of await fetchPrices(signal)) this.prices.set(symbol, price);
    return this.prices.size;
  }

  @every("1m")
  #audit() {
    return this.prices.size > 0;
  }

  @every(60)
  static reload(): string[] {
    return [];
  }

  auditTimer(): Timer<boolean> {
    return timerOf(this, this.#audit);
  }
}

const cache = new PriceCache();
const refresh: Timer<number> = timerOf(cache, "refresh");
const reload: Timer<string[]> = timerOf(PriceCache, "reload");
const group: TimerGroup = timersOf(cache);
{
  await using running = timersOf(cache).start();
  await refresh.wait({ hitCount: 1 });
  void [running, reload, group];
}
`;

describe("the published declarations", { timeout: 30_000 }, () => {
  it("are emitted for every export", () => {
    expect([...virtual.keys()].filter((name) => name.endsWith("index.d.ts"))).toHaveLength(1);
    const index = virtual.get(join(installed, "dist/index.d.ts"));
    expect(index).toContain("every");
    expect(index).toContain("timerOf");
    expect(index).toContain("timersOf");
  });

  it("compile a consumer in standard-decorator mode, without @types/node", () => {
    expect(check(service, virtual)).toEqual([]);
  });

  it("make @every a compile error under experimentalDecorators", () => {
    const problems = check(service, virtual, { experimentalDecorators: true });
    const lines = service.split("\n");
    const decoratorLines = lines.flatMap((text, index) =>
      text.includes("@every") ? [index + 1] : [],
    );
    expect(problems.map((problem) => problem.line).sort((a, b) => a - b)).toEqual(decoratorLines);
    // The legacy signature (target, key, descriptor) does not fit, and legacy decorators have no
    // #private members at all.
    for (const { message } of problems) {
      expect(message).toMatch(
        /^(Unable to resolve signature of method decorator|Decorators are not valid here)/,
      );
    }
  });

  it("turn misuse into compile errors at the line of the mistake", () => {
    const misuse = `
import type { TickContext } from "@async-timer/core";
import { every, timerOf } from "@async-timer/decorators";

class Misused {
  @every(1) count = 0;
  @every(1) get size() { return 0; }
  @every(1) greet(name: string) { return name; }
  @every(1) ok(_context: TickContext) { return 1; }
  lookup(key: string) { return key; }
}
@every(1) class Whole {}

const misused = new Misused();
timerOf(misused, "count");
timerOf(misused, "lookup");
timerOf(misused, "nope");
every(5, { start: true });
void Whole;
`;
    expect(check(misuse, virtual).map(({ line, code }) => [line, code])).toEqual([
      [6, 1240], // a field
      [7, 1241], // a getter
      [8, 1241], // a method a tick cannot call
      [12, 1238], // a class
      [15, 2769], // a field by name
      [16, 2769], // a method a tick cannot call, by name
      [17, 2769], // a member that does not exist
      [18, 2353], // start is not an option of @every
    ]);
  });
});
