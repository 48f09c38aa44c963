/**
 * Vitest runs TypeScript through Vite's oxc transform, which leaves standard (TC39) decorators
 * untouched — and Node 20 cannot parse them. So this package's test files, and the README
 * examples the tests run, are compiled by the real TypeScript compiler instead, in
 * standard-decorator mode (`experimentalDecorators` off, ES2022 target, as a user's build would
 * be), before any other transform sees them. `test/standard-mode.test.ts` checks the result.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { Plugin } from "vitest/config";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const testDir = join(packageDir, "test");
const readmeId = "virtual:readme/";
const resolvedReadmeId = `\0${readmeId}`;

/** The options a consumer compiling `@every` with TypeScript 5 would use. */
export const standardOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  experimentalDecorators: false,
  emitDecoratorMetadata: false,
  useDefineForClassFields: true,
  verbatimModuleSyntax: true,
  sourceMap: true,
  inlineSources: true,
};

/** Compiles one module with `tsc`'s emitter (no type check: `tsc --noEmit` does that). */
export function compileStandard(code: string, fileName: string): { code: string; map: string } {
  const output = ts.transpileModule(code, {
    compilerOptions: standardOptions,
    fileName,
    reportDiagnostics: true,
  });
  const errors = (output.diagnostics ?? []).filter(
    (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length > 0) {
    const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    throw new SyntaxError(`${fileName}: ${text.join("; ")}`);
  }
  const js = output.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, "\n");
  return { code: js, map: output.sourceMapText ?? "" };
}

/**
 * The ```ts blocks of the README that follow a `<!-- readme-test: NAME -->` marker, by name:
 * the examples that `test/readme.test.ts` runs exactly as written.
 */
export function readmeExamples(): Map<string, string> {
  const text = readFileSync(join(packageDir, "README.md"), "utf8");
  const examples = new Map<string, string>();
  const pattern = /<!-- readme-test: ([\w-]+) -->\s*```ts\n([\s\S]*?)^```/gm;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    examples.set(match[1] as string, match[2] as string);
  }
  return examples;
}

/**
 * The Vite plugin: test files under `test/` are compiled by `tsc` in standard-decorator mode,
 * and `import("virtual:readme/NAME")` loads a README example compiled the same way, with
 * `@async-timer/decorators` resolved to this package's sources.
 */
export function standardDecorators(): Plugin {
  return {
    name: "async-timer:standard-decorators",
    enforce: "pre",
    resolveId(source, importer) {
      if (source.startsWith(readmeId)) return `\0${source}`;
      if (source === "@async-timer/decorators") return join(packageDir, "src/index.ts");
      if (importer?.startsWith(resolvedReadmeId)) {
        // Bare imports of an example resolve as they would from a file of this package.
        return this.resolve(source, join(testDir, "readme.test.ts"), { skipSelf: true });
      }
      return null;
    },
    load(id) {
      if (!id.startsWith(resolvedReadmeId)) return null;
      const name = id.slice(resolvedReadmeId.length);
      const code = readmeExamples().get(name);
      if (code === undefined)
        throw new Error(`README.md has no example marked readme-test: ${name}`);
      return compileStandard(code, `README.${name}.ts`);
    },
    transform(code, id) {
      const file = id.split("?")[0] as string;
      if (!file.startsWith(testDir) || !file.endsWith(".ts") || file.endsWith(".d.ts")) return null;
      return compileStandard(code, file);
    },
  };
}
