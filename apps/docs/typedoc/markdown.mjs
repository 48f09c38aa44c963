// @ts-check
/**
 * Heading anchors as GitHub makes them. TypeDoc builds a heading's id from its plain text and
 * skips `code` spans, so "## `new Timer(delay, target, options?)`" gets the id "_" on the site
 * while GitHub gives it "new-timerdelay-target-options" — and a README link that works on GitHub
 * breaks on the site. This turns code spans in headings into text tokens (rendered as `<code>`
 * all the same), so TypeDoc's slugger sees their text.
 *
 * @param {any} parser  TypeDoc's markdown-it instance (the `markdownItLoader` option)
 */
export function githubHeadingAnchors(parser) {
  parser.core.ruler.push("code-in-heading-anchors", (/** @type {any} */ state) => {
    const tokens = state.tokens;
    for (let i = 1; i < tokens.length; i++) {
      if (tokens[i].type !== "inline" || tokens[i - 1].type !== "heading_open") continue;
      for (const child of tokens[i].children ?? []) {
        if (child.type !== "code_inline") continue;
        child.type = "text";
        child.meta = { ...child.meta, code: true };
      }
    }
  });
  const text = parser.renderer.rules.text;
  parser.renderer.rules.text = (
    /** @type {any[]} */ tokens,
    /** @type {number} */ idx,
    /** @type {any} */ options,
    /** @type {any} */ env,
    /** @type {any} */ self,
  ) => {
    const token = tokens[idx];
    if (token.meta?.code) return `<code>${parser.utils.escapeHtml(token.content)}</code>`;
    return text ? text(tokens, idx, options, env, self) : parser.utils.escapeHtml(token.content);
  };
}
