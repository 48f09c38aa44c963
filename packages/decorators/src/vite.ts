/**
 * `@async-timer/decorators/vite`: a Vite plugin that lets Vitest 4 (and Vite 8) run code using
 * `@every`. Their TypeScript transform (oxc) strips types but leaves standard (TC39) decorators
 * in place, and no JavaScript runtime parses decorators yet, so a test file or module that uses
 * `@every` fails with a bare `SyntaxError: Invalid or unexpected token`. The plugin compiles those
 * files first, in standard-decorator mode, as `tsc` would with `"target": "ES2022"`.
 *
 * ```ts
 * // vitest.config.ts
 * import { defineConfig } from "vitest/config";
 * import { standardDecorators } from "@async-timer/decorators/vite";
 *
 * export default defineConfig({ plugins: [standardDecorators()] });
 * ```
 *
 * It compiles with your project's `typescript` (5.2 to 6.x: TypeScript 7's package has no
 * JavaScript compiler API), or else with `esbuild` (0.21 or later) if the project has it.
 *
 * @module
 */

/**
 * What `standardDecorators()` returns: a Vite plugin (it fits `plugins: [...]` of a Vite or
 * Vitest config; Vite's own `Plugin` type is not imported, so this package needs no Vite).
 *
 * @example
 * ```ts
 * import { type StandardDecoratorsPlugin, standardDecorators } from "@async-timer/decorators/vite";
 *
 * const plugin: StandardDecoratorsPlugin = standardDecorators();
 * console.log(plugin.name); // "async-timer:standard-decorators"
 * ```
 */
export interface StandardDecoratorsPlugin {
  /** The plugin's name in Vite's diagnostics. */
  readonly name: string;
  /** Runs before Vite's own TypeScript transform, which would otherwise see the decorators. */
  readonly enforce: "pre";
  /** Records the project root, from which the compiler is loaded. */
  configResolved(config: { readonly root: string }): void;
  /** Compiles a TypeScript module that uses decorators; leaves every other module alone. */
  transform(code: string, id: string): { code: string; map: string } | null;
}

/** The slice of TypeScript's API used here (typed here: `typescript` is not imported). */
interface TypeScriptApi {
  transpileModule?(
    input: string,
    options: {
      compilerOptions: Record<string, unknown>;
      fileName: string;
      reportDiagnostics: boolean;
    },
  ): {
    outputText: string;
    sourceMapText?: string;
    diagnostics?: readonly { category: number; messageText: string | { messageText: string } }[];
  };
  readonly DiagnosticCategory: { readonly Error: number };
  readonly ScriptTarget: { readonly ES2022: number };
  readonly ModuleKind: { readonly ESNext: number };
  readonly JsxEmit: { readonly Preserve: number };
}

/** The slice of esbuild's API used here. */
interface EsbuildApi {
  transformSync(input: string, options: Record<string, unknown>): { code: string; map: string };
}

/** The Node API needed to load a compiler from the project (no static `node:` import: see below). */
interface NodeProcess {
  getBuiltinModule?(id: "node:module"): {
    createRequire(path: string): (id: string) => unknown;
  };
  cwd(): string;
}

type Compile = (code: string, file: string) => { code: string; map: string };

const TYPESCRIPT_FILE = /\.(?:[cm]?ts|tsx)$/;
/** `@name` at the start of a line or after `{ ; ( ,` or a space, outside `//` and `*` comment lines. */
const DECORATOR = /^(?![ \t]*(?:\*|\/\/)).*?(?:^|[\s{;(,])@[A-Za-z_$]/m;

/**
 * A Vite plugin that compiles standard decorators (`@every`, and any other TC39 decorator) in
 * your TypeScript files before Vite's own transform, so Vitest 4 and Vite 8 can run them. Files in
 * `node_modules` and files without a decorator are left to Vite.
 *
 * Each file is compiled on its own, as `isolatedModules` does, with your project's `typescript`
 * (`transpileModule`, TypeScript 5.2 to 6.x) or, if it has no JavaScript API (TypeScript 7) or is
 * not installed, with your project's `esbuild` (0.21 or later): target ES2022 (decorators,
 * auto-accessors and `using` declarations are lowered; class fields use define semantics),
 * `experimentalDecorators` off, JSX left for Vite, source maps kept so stack traces point at your
 * lines. Types are not checked here: that stays `tsc --noEmit`'s job.
 *
 * @returns the plugin, for `plugins: [...]` in `vite.config.ts` or `vitest.config.ts`
 * @throws {TypeError} if given an argument (it takes none)
 * @example
 * ```ts
 * // vitest.config.ts
 * import { defineConfig } from "vitest/config";
 * import { standardDecorators } from "@async-timer/decorators/vite";
 *
 * export default defineConfig({ plugins: [standardDecorators()] });
 * ```
 */
export function standardDecorators(...args: never[]): StandardDecoratorsPlugin {
  if (args.length > 0) {
    throw new TypeError(
      `standardDecorators() takes no options; got ${args.map((arg) => JSON.stringify(arg) ?? String(arg)).join(", ")}`,
    );
  }
  let root: string | undefined;
  let compile: Compile | undefined;

  return {
    name: "async-timer:standard-decorators",
    enforce: "pre",
    configResolved(config) {
      root = config.root;
    },
    transform(code, id) {
      const file = id.split("?", 1)[0] as string;
      if (file.startsWith("\0") || file.includes("/node_modules/") || !TYPESCRIPT_FILE.test(file)) {
        return null;
      }
      if (!DECORATOR.test(code)) return null;
      compile ??= loadCompiler(root);
      return compile(code, file);
    },
  };
}

/** The compiler of the project at `root`: TypeScript's `transpileModule`, else esbuild. */
function loadCompiler(root: string | undefined): Compile {
  // Node's API is reached through `process.getBuiltinModule` (Node 20.16+; Vite 8 and Vitest 4
  // need 20.19+) rather than a static `node:` import, so this entry point adds no Node dependency
  // to the package, whose other entry points run in browsers too.
  const node = (globalThis as { process?: NodeProcess }).process;
  const module = node?.getBuiltinModule?.("node:module");
  if (node === undefined || module === undefined) {
    throw new Error(
      "@async-timer/decorators/vite runs inside Vite or Vitest, on Node 20.19 or later (process.getBuiltinModule is missing)",
    );
  }
  const from = `${(root ?? node.cwd()).replace(/[\\/]$/, "")}/package.json`;
  const require = module.createRequire(from);
  const optional = <T>(name: string): T | undefined => {
    try {
      return require(name) as T;
    } catch {
      return undefined;
    }
  };
  const typescript = optional<TypeScriptApi>("typescript");
  if (typeof typescript?.transpileModule === "function") return withTypeScript(typescript);
  const esbuild = optional<EsbuildApi>("esbuild");
  if (typeof esbuild?.transformSync === "function") return withEsbuild(esbuild);
  throw new Error(
    `@async-timer/decorators/vite compiles decorators with the project's TypeScript (5.2 to 6.x) or esbuild (0.21+), and found neither from ${from}${typescript === undefined ? "" : " (its typescript has no transpileModule: TypeScript 7)"}: install one, e.g. npm install -D esbuild`,
  );
}

function withTypeScript(ts: TypeScriptApi): Compile {
  const transpile = ts.transpileModule as NonNullable<TypeScriptApi["transpileModule"]>;
  return (code, file) => {
    const output = transpile(code, {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext, // Vite resolves the imports
        jsx: ts.JsxEmit.Preserve, // Vite compiles JSX afterwards
        experimentalDecorators: false,
        useDefineForClassFields: true,
        isolatedModules: true,
        sourceMap: true,
        inlineSources: true,
      },
    });
    const errors = (output.diagnostics ?? []).filter(
      (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
    );
    if (errors.length > 0) {
      const messages = errors.map((d) =>
        typeof d.messageText === "string" ? d.messageText : d.messageText.messageText,
      );
      throw new SyntaxError(`${file}: ${messages.join("; ")}`);
    }
    return {
      code: output.outputText.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n"),
      map: output.sourceMapText ?? "",
    };
  };
}

function withEsbuild(esbuild: EsbuildApi): Compile {
  return (code, file) => {
    const { code: js, map } = esbuild.transformSync(code, {
      loader: file.endsWith("x") ? "tsx" : "ts",
      sourcefile: file,
      target: "es2022",
      format: "esm",
      jsx: "preserve", // Vite compiles JSX afterwards
      sourcemap: "external",
      sourcesContent: true,
      // The project's tsconfig is not read: these are the settings the decorators need.
      tsconfigRaw: {
        compilerOptions: {
          experimentalDecorators: false,
          useDefineForClassFields: true,
          verbatimModuleSyntax: false,
        },
      },
    });
    return { code: js, map };
  };
}
