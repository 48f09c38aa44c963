// @ts-check
/**
 * Where a package's gzipped bytes go: `pnpm --filter async-timer-docs size:breakdown [package]`
 * (default `@async-timer/core`; run `pnpm build` first). It bundles the package's `dist/index.js`
 * the way the size budgets do (esbuild, minified, ESM), then, for each source file, gzips the
 * bundle without that file's output — found through the source map — and reports the difference:
 * the bytes that file adds to the gzipped whole. Gzip shares a dictionary across the bundle, so
 * these do not sum to the total; what is left is the code the files share.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { publishedPackages } from "./workspace.mjs";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** @param {string} segment one base64-VLQ segment of a source map @returns {number[]} */
function decode(segment) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/**
 * @param {string} entry absolute path of the built entry to bundle
 * @param {"browser" | "node"} [platform] "node" for a package built on Node's modules
 * @returns {Promise<{ total: number, files: { file: string, minified: number, gzipped: number }[] }>}
 *   the bundle's gzipped size, and each source file's minified bytes and gzipped share, largest first
 */
export async function sizeBreakdown(entry, platform = "browser") {
  const result = await build({
    entryPoints: [entry],
    platform,
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    sourcemap: "external",
    outfile: "bundle.js",
  });
  const code = result.outputFiles.find((file) => file.path.endsWith(".js"))?.text ?? "";
  const mapText = result.outputFiles.find((file) => file.path.endsWith(".map"))?.text ?? "{}";
  /** @type {{ sources: string[], mappings: string }} */
  const map = JSON.parse(mapText);

  // The source of every output character: each mapped segment owns the text up to the next one.
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === "\n") lineStarts.push(i + 1);
  /** @type {number[]} */
  const owner = new Array(code.length).fill(-1);
  /** @type {[number, number][]} start offset and source index of each segment */
  const segments = [];
  let source = 0;
  map.mappings.split(";").forEach((line, lineIndex) => {
    let column = 0;
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const fields = decode(segment);
      column += fields[0] ?? 0;
      if (fields.length > 1) source += fields[1] ?? 0;
      segments.push([(lineStarts[lineIndex] ?? 0) + column, fields.length > 1 ? source : -1]);
    }
  });
  segments.forEach(([start, index], i) => {
    const end = segments[i + 1]?.[0] ?? code.length;
    owner.fill(index, start, end);
  });

  const total = gzipSync(code).length;
  const files = map.sources.map((file, index) => {
    let without = "";
    let minified = 0;
    for (let i = 0; i < code.length; i++) {
      if (owner[i] === index) minified++;
      else without += code[i];
    }
    return {
      file: file.replace(/^.*\/(src|dist)\//, ""),
      minified,
      gzipped: total - gzipSync(without).length,
    };
  });
  files.sort((a, b) => b.gzipped - a.gzipped);
  return { total, files: files.filter((file) => file.minified > 0) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const name = process.argv[2] ?? "@async-timer/core";
  const pkg = publishedPackages().find((candidate) => candidate.name === name);
  if (pkg === undefined) throw new Error(`no published package named ${name}`);
  const { total, files } = await sizeBreakdown(
    join(pkg.dir, "dist", "index.js"),
    pkg.nodeOnly ? "node" : "browser",
  );
  console.log(`${name}: ${total} B minified and gzipped (the whole main entry)\n`);
  console.log("gzipped B  minified B  file");
  for (const { file, minified, gzipped } of files) {
    console.log(`${String(gzipped).padStart(10)}  ${String(minified).padStart(10)}  ${file}`);
  }
}
