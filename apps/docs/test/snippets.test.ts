/**
 * Every ```ts block in the READMEs, the site's home page and the guides must compile against the
 * packages' real types, so the documentation cannot drift from the API. A block fenced as
 * ```ts run is a complete program: it is also run, and what it prints must match its
 * `// → …` comments, in order.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format } from "node:util";
import ts from "typescript";
import { afterEach, describe, expect, it, vi } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const here = dirname(fileURLToPath(import.meta.url));
const docs = join(here, "..");
const scratch = join(docs, ".snippets");

const markdownIn = (directory: string): string[] =>
  existsSync(join(root, directory))
    ? readdirSync(join(root, directory))
        .filter((name) => name.endsWith(".md"))
        .map((name) => join(directory, name))
    : [];

const readmesOf = (directory: string): string[] =>
  readdirSync(join(root, directory)).map((name) => join(directory, name, "README.md"));

/** Every Markdown file whose examples a reader may copy. */
function documents(): string[] {
  return [
    "README.md",
    ...readmesOf("packages"),
    ...readmesOf("examples"),
    "apps/docs/home.md",
    ...markdownIn("apps/docs/guides"),
  ].filter((file) => existsSync(join(root, file)));
}

interface Snippet {
  readonly document: string;
  readonly line: number;
  readonly code: string;
  /** A complete program, run by this test. */
  readonly run: boolean;
}

function snippets(document: string): Snippet[] {
  const text = readFileSync(join(root, document), "utf8");
  const found: Snippet[] = [];
  const fence = /^```ts( run)?\n([\s\S]*?)^```/gm;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    const line = text.slice(0, match.index).split("\n").length + 1;
    found.push({ document, line, code: match[2] as string, run: match[1] !== undefined });
  }
  return found;
}

/** The `// → text` comments of a program, in order: what it must print. */
function expectedOutput(code: string): string[] {
  return code
    .split("\n")
    .map((line) => /\/\/ → (.*)$/.exec(line)?.[1]?.trimEnd())
    .filter((line): line is string => line !== undefined);
}

const all = documents().flatMap(snippets);
const file = (index: number) => join(scratch, `snippet-${index}.ts`);

describe("documentation examples", () => {
  it("exist in every README and guide", () => {
    expect(all.length).toBeGreaterThan(40);
    const guides = markdownIn("apps/docs/guides");
    expect(guides.length).toBeGreaterThanOrEqual(7);
    // The examples include their code from tested files; the benchmarks page includes a table.
    const withCode = guides.filter(
      (g) => !g.endsWith("examples.md") && !g.endsWith("benchmarks.md"),
    );
    for (const guide of withCode) {
      expect(
        all.some((snippet) => snippet.document === guide),
        guide,
      ).toBe(true);
    }
    expect(all.filter((snippet) => snippet.run).length).toBeGreaterThanOrEqual(8);
  });

  it("guides keep the front matter that titles them on the site", () => {
    for (const guide of markdownIn("apps/docs/guides")) {
      expect(readFileSync(join(root, guide), "utf8"), guide).toMatch(/^---\ntitle: .+\n---\n/);
    }
  });

  it("all type-check against the packages", () => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const files = all.map((snippet, index) => {
      // Each block is its own module (top-level await allowed).
      writeFileSync(file(index), `${snippet.code}\nexport {};\n`);
      return { file: file(index), snippet };
    });
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ["@async-timer/source"],
      lib: ["lib.es2023.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"],
      types: ["node"],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
    };
    const program = ts.createProgram({
      rootNames: [...files.map((entry) => entry.file), join(here, "snippet-stubs.d.ts")],
      options,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
      const source = files.find((entry) => entry.file === diagnostic.file?.fileName);
      if (source === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
        return `${diagnostic.file ? relative(root, diagnostic.file.fileName) : "?"}: ${message}`;
      }
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${source.snippet.document}:${source.snippet.line + line}: ${message}`;
    });
    expect(problems).toEqual([]);
  });
});

describe("complete programs in the guides", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const programs = all
    .map((snippet, index) => ({ snippet, index }))
    .filter(({ snippet }) => snippet.run);

  it.each(programs.map(({ snippet, index }) => [`${snippet.document}:${snippet.line}`, index]))(
    "%s runs and prints what its comments say",
    async (_where, index) => {
      const snippet = all[index as number] as Snippet;
      mkdirSync(scratch, { recursive: true });
      writeFileSync(file(index as number), `${snippet.code}\nexport {};\n`);
      const printed: string[] = [];
      vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        printed.push(format(...args));
      });
      await import(`${pathToFileURL(file(index as number)).href}?run=${Date.now()}`);
      expect(printed).toEqual(expectedOutput(snippet.code));
    },
    15_000,
  );
});
