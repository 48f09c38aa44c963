/**
 * Every ```ts block in the READMEs (and, later, the guides) must compile against the packages'
 * real types, so the documentation cannot drift from the API.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, "..", ".snippets");

function documents(): string[] {
  const packages = readdirSync(join(root, "packages")).map((name) =>
    join("packages", name, "README.md"),
  );
  return ["README.md", ...packages].filter((file) => {
    try {
      readFileSync(join(root, file));
      return true;
    } catch {
      return false;
    }
  });
}

interface Snippet {
  readonly document: string;
  readonly line: number;
  readonly code: string;
}

function snippets(document: string): Snippet[] {
  const text = readFileSync(join(root, document), "utf8");
  const found: Snippet[] = [];
  const fence = /^```ts\n([\s\S]*?)^```/gm;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    const line = text.slice(0, match.index).split("\n").length + 1;
    found.push({ document, line, code: match[1] as string });
  }
  return found;
}

describe("documentation examples", () => {
  const all = documents().flatMap(snippets);

  it("exist in every README", () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it("all type-check against the packages", () => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const files = all.map((snippet, index) => {
      const file = join(scratch, `snippet-${index}.ts`);
      // Each block is its own module (top-level await allowed).
      writeFileSync(file, `${snippet.code}\nexport {};\n`);
      return { file, snippet };
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
