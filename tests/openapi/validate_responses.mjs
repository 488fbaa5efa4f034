// Checks real responses of onair against docs/openapi.yaml with a strict JSON Schema
// validator (Ajv, every error, OAS `nullable`, formats checked): each response must belong
// to a documented operation and status, carry a documented media type, and a JSON body
// must match its schema.
//   node validate_responses.mjs <exchanges.jsonl>
// Each line: {"method", "target", "status", "content_type", "body"} as the test saw them.
// Prints one line per failure and a summary; exits 1 when any response fails.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const here = dirname(fileURLToPath(import.meta.url));
const doc = join(here, "../../docs/openapi.yaml");
const [exchangesPath] = process.argv.slice(2);

// The document with every $ref resolved, from the same linter the lint test uses.
const spec = JSON.parse(execFileSync(join(here, "node_modules/.bin/redocly"),
  ["bundle", doc, "--dereferenced", "--ext", "json"],
  { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } }));

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
// OAS 3.0's own formats and annotation keywords.
ajv.addFormat("int32", { type: "number", validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat("int64", { type: "number", validate: (n) => Number.isInteger(n) });
ajv.addVocabulary(["example", "xml", "externalDocs", "discriminator"]);

// Path templates as regular expressions; literal segments win over parameters
// (/v1/rooms/mine before /v1/rooms/{id}).
const routes = Object.entries(spec.paths).map(([template, item]) => ({
  template, item,
  params: (template.match(/\{/g) || []).length,
  re: new RegExp("^" + template.replace(/[.+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$"),
})).sort((a, b) => a.params - b.params || b.template.length - a.template.length);

const compiled = new Map();
function validator(key, schema) {
  if (!compiled.has(key)) compiled.set(key, ajv.compile(schema));
  return compiled.get(key);
}

const failures = [];
const lines = readFileSync(exchangesPath, "utf8").split("\n").filter((l) => l.trim());
for (const line of lines) {
  const x = JSON.parse(line);
  const path = x.target.split("?")[0];
  const where = `${x.method} ${x.target.length > 120 ? x.target.slice(0, 120) + "..." : x.target} -> ${x.status}`;
  const fail = (why) => failures.push(`${where}: ${why}`);
  const route = routes.find((r) => r.re.test(path));
  const op = route && route.item[x.method.toLowerCase()];
  if (!op) { fail("no such operation in the document"); continue; }
  const status = String(x.status);
  const res = op.responses[status] || op.responses[status[0] + "XX"] || op.responses.default;
  if (!res) { fail(`status not documented for ${x.method.toLowerCase()} ${route.template} (has ${Object.keys(op.responses)})`); continue; }
  const type = (x.content_type || "").split(";")[0].trim().toLowerCase();
  if (!res.content) {
    if (x.body.length > 0) fail(`a body (${type}) where the document has none`);
    continue;
  }
  const media = res.content[type];
  if (!media) { fail(`media type ${JSON.stringify(type)} not documented (has ${Object.keys(res.content)})`); continue; }
  if (type !== "application/json" || !media.schema) continue;
  let body;
  try { body = JSON.parse(x.body); } catch (e) { fail(`not JSON: ${e.message}`); continue; }
  let validate;
  try {
    validate = validator(`${route.template} ${x.method} ${status} ${type}`, media.schema);
  } catch (e) {
    fail(`the documented schema is not valid: ${e.message}`);
    continue;
  }
  if (!validate(body)) {
    const errs = validate.errors.slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && e.params.allowedValues ? " " + JSON.stringify(e.params.allowedValues) : ""}`);
    fail(`${errs.join("; ")}${validate.errors.length > 5 ? ` (+${validate.errors.length - 5} more)` : ""}\n    body: ${x.body.slice(0, 400)}`);
  }
}
for (const f of failures) console.log("FAIL " + f);
console.log(`${lines.length} responses checked against docs/openapi.yaml: ${lines.length - failures.length} passed, ${failures.length} failed`);
process.exitCode = failures.length ? 1 : 0;
