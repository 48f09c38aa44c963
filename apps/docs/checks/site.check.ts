/**
 * The docs site, checked as a reader would: serve the built site on localhost, open the home page,
 * every guide and an API page of every package in headless Chromium; fail on any console error,
 * failed request, image that does not render, or in-site link (page or #anchor) that leads
 * nowhere. Screenshots go to apps/docs/screenshots/. Run `pnpm docs:build` first.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docsRoot, publishedPackages } from "../scripts/workspace.mjs";
import { launchChromium, serveDirectory } from "./browser.js";

const site = join(docsRoot, "site");
const screenshots = join(docsRoot, "screenshots");

if (!existsSync(join(site, "index.html"))) {
  throw new Error(`No built site at ${site}: run \`pnpm docs:build\` first.`);
}

/** The site's page for each package: the module page whose title is the package name. */
function packagePages(): [string, string][] {
  const modules = readdirSync(join(site, "modules"));
  return publishedPackages().map((pkg) => {
    const page = modules.find((file) =>
      readFileSync(join(site, "modules", file), "utf8").includes(`<title>${pkg.name} | `),
    );
    if (page === undefined) throw new Error(`no API page for ${pkg.name} in the site`);
    return [pkg.name, `modules/${page}`];
  });
}

const guides = readdirSync(join(site, "documents"))
  .filter((file) => file.endsWith(".html"))
  .map((file) => `documents/${file}`);

let browser: Browser;
let server: { url: string; stop(): Promise<void> };
const checkedLinks = new Map<string, string | undefined>();

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  server = await serveDirectory(site);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface Visit {
  readonly problems: string[];
  readonly links: string[];
}

async function visit(page: Page, path: string, shot: string): Promise<Visit> {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on("response", (response) => {
    if (response.url().startsWith(server.url) && response.status() >= 400) {
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  const response = await page.goto(new URL(path, server.url).href, { waitUntil: "load" });
  expect(response?.status(), path).toBe(200);
  // TypeDoc shows the page once its script has run; wait for that, then for images.
  await page.waitForFunction(() => document.body.style.display !== "none");
  await page.waitForLoadState("networkidle");
  const broken = await page.$$eval("img", (images) =>
    images
      .filter((image) => !(image.complete && image.naturalWidth > 0))
      .map((image) => image.getAttribute("src")),
  );
  for (const src of broken) problems.push(`image does not render: ${src}`);
  await page.screenshot({ path: join(screenshots, `${shot}.png`), fullPage: true });
  const links = await page.$$eval("a[href]", (anchors) =>
    anchors.map((anchor) => (anchor as HTMLAnchorElement).href),
  );
  return { problems, links: links.filter((href) => href.startsWith(server.url)) };
}

/** Whether an in-site link leads to a page, and to its anchor if it has one. */
async function linkProblem(href: string): Promise<string | undefined> {
  const url = new URL(href);
  const key = url.pathname + url.hash;
  if (checkedLinks.has(key)) return checkedLinks.get(key);
  let problem: string | undefined;
  const response = await fetch(new URL(url.pathname, server.url));
  if (response.status !== 200) problem = `${key}: HTTP ${response.status}`;
  else if (url.hash.length > 1 && url.pathname.endsWith(".html")) {
    const id = decodeURIComponent(url.hash.slice(1));
    const html = await response.text();
    if (!html.includes(`id="${id}"`) && !html.includes(`name="${id}"`)) {
      problem = `${key}: no element with id "${id}"`;
    }
  } else {
    await response.arrayBuffer();
  }
  checkedLinks.set(key, problem);
  return problem;
}

const pages: [string, string][] = [
  ["home", "index.html"],
  ...guides.map((path): [string, string] => [path.replace(/^documents\/|\.html$/g, ""), path]),
  ...packagePages().map(([name, path]): [string, string] => [`api ${name}`, path]),
];

describe("the documentation site in Chromium", () => {
  it("has the guides and an API page for every package", () => {
    expect(guides.length).toBeGreaterThanOrEqual(7);
    expect(pages.length).toBe(1 + guides.length + publishedPackages().length);
  });

  it.each(pages)(
    "%s (%s) renders without errors, and its in-site links work",
    async (name, path) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        const { problems, links } = await visit(page, path, name.replace(/[^a-z0-9-]+/gi, "_"));
        for (const href of new Set(links)) {
          const problem = await linkProblem(href);
          if (problem !== undefined) problems.push(`broken link on ${path}: ${problem}`);
        }
        expect(problems).toEqual([]);
        expect(links.length).toBeGreaterThan(5);
      } finally {
        await page.close();
      }
    },
  );

  it("shows the generated diagrams in the guides", async () => {
    const page = await browser.newPage();
    try {
      const scheduling = guides.find((path) =>
        readFileSync(join(site, path), "utf8").includes("<title>Scheduling modes | "),
      );
      expect(scheduling).toBeDefined();
      await page.goto(new URL(scheduling ?? "", server.url).href);
      await page.waitForFunction(() => document.body.style.display !== "none");
      await page.waitForLoadState("networkidle");
      const sources = await page.$$eval("img", (images) =>
        images.filter((image) => image.naturalWidth > 0).map((image) => image.getAttribute("src")),
      );
      expect(sources.filter((src) => src?.endsWith(".svg")).length).toBeGreaterThanOrEqual(5);
    } finally {
      await page.close();
    }
  });
});
