// @ts-check
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Converter, ReflectionKind } from "typedoc";

const MEMBER_OF_OBJECT_LITERAL =
  /^\S+\.__type\.[^.\s]+ \((Property|CallSignature)\), defined in .* does not have any documentation/;

const TYPE_PARAMETER = /^\S+ \(TypeParameter\), defined in .* does not have any documentation/;

const UNUSED_INTENTIONAL = [
  "The following qualified reflection names were marked as intentionally not documented",
  "The following symbols were marked as intentionally not exported",
];

/**
 * TypeDoc names the entry points of a package with several after their export paths ("" for "." and
 * "machine"); readers import them as "@async-timer/core" and "@async-timer/core/machine", so
 * this names them that way.
 *
 * @param {import("typedoc").Application} app
 */
export function load(app) {
  // `intentionallyNotDocumented` and `intentionallyNotExported` (typedoc/known-gaps.mjs) are
  // lists shared by every package's conversion, so each package would report the other
  // packages' entries as unused.
  const logger = /** @type {{ validationWarning(text: string, ...rest: unknown[]): void }} */ (
    /** @type {unknown} */ (app.logger)
  );
  const validationWarning = logger.validationWarning.bind(logger);
  logger.validationWarning = (text, ...rest) => {
    if (UNUSED_INTENTIONAL.some((start) => String(text).startsWith(start))) return;
    // Fields of an anonymous object type (`{ type: "start"; now: number } | …`) are shown inline
    // under their documented type alias; a comment on each `type` and `now` would be noise.
    if (MEMBER_OF_OBJECT_LITERAL.test(String(text))) return;
    // Type parameters are not among TypeDoc's `requiredToBeDocumented` kinds, yet reported.
    if (TYPE_PARAMETER.test(String(text))) return;
    validationWarning(text, ...rest);
  };

  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module) || reflection.parent !== context.project) return;
    // In "packages" mode the application's options are those of the package being converted.
    const packageDir = app.options.packageDir;
    if (packageDir === undefined) return;
    const { name } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
    const entry = reflection.name.replace(/^\.\/?/, "");
    reflection.name = entry === "" ? name : `${name}/${entry}`;
  });
}
