// The payload catalog: for every /api/v1 operation (from the registry the served OpenAPI
// document is built from) and every server action, a generator of malformed requests, each
// with what a correct answer looks like. A payload is sent only when the zod schema the app
// validates with (or the domain reader behind a YAML import) confirms it is invalid, so a
// payload that changes a row is a bug, never an accidentally valid draw.
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { API_OPERATIONS } from "@/app/api/v1/openapi.json/operations";
import type { ApiOperation } from "@/lib/schemas/openapi";
import { fieldErrors } from "@/lib/schemas/errors";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import { parseFleetConfig } from "@/lib/domain/config/schema";
import { parseSloDocuments } from "@/lib/domain/slos/openslo";
import { parseYamlDocuments, stringifyYamlDocuments } from "@/lib/yaml";
import { ACTION_INPUTS } from "./actions";
import { arbitraries, malformed, plausible, type JsonSchema } from "./json-schema";

/** How the sender authenticates: an API token, or the admin's session cookie. */
export type Auth = "token" | "session";

export interface Expectation {
  /** the payload is invalid, so the answer must be a refusal (4xx, or an action's ok: false) */
  refuse: boolean;
  /** field paths the app's own schema names; the answer's `fields` must hold one of them… */
  fields: string[];
  /** …or its message one of these words (a path parameter's value, "JSON", "Content-Type"…) */
  words: string[];
  /** any refusal but INTERNAL will do: the payload may be refused first for another reason */
  anyReason?: boolean;
}

export interface Payload {
  /** "POST /api/v1/slos" or "action createSloAction" */
  target: string;
  /** what is malformed, for the failure report */
  how: string;
  method: string;
  /** the path and query, percent-encoded as sent */
  url: string;
  headers: Record<string, string>;
  body?: string;
  auth: Auth;
  action: boolean;
  expect: Expectation;
}

/** What the scenario learned from the running app before fuzzing it. */
export interface FuzzFixtures {
  /** Server action ids by exported name, and a page that serves each */
  actions: Record<string, { id: string; page: string }>;
  /** names of things that exist, so a body reaches validation behind a path parameter */
  sloNames: string[];
  models: string[];
  /** documents the app exported, to break for import and apply */
  opensloYaml: string;
  configYaml: string;
}

export interface Target {
  name: string;
  /** relative share of the payloads */
  weight: number;
  draw: (seed: number, count: number) => Payload[];
}

const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** Draws `count` values that the schema refuses, with the fields it names. */
function refusedBy(
  schema: z.ZodType,
  seed: number,
  count: number,
): { value: unknown; how: string; fields: string[] }[] {
  const json = jsonSchemaOf(schema);
  const arbitrary = malformed(json, json);
  const out: { value: unknown; how: string; fields: string[] }[] = [];
  // In rounds: fc.sample draws all it is asked for at once, and most draws are refused anyway.
  for (let round = 0; round < 4 && out.length < count; round++) {
    const want = count - out.length;
    for (const { value, how } of fc.sample(arbitrary, {
      seed: seed + round * 104_729,
      numRuns: Math.ceil(want * 1.2) + 5,
    })) {
      if (out.length >= count) break;
      if (typeof value === "symbol") continue;
      const sent = roundTrip(value);
      const result = schema.safeParse(sent);
      if (result.success) continue;
      out.push({ value: sent, how, fields: Object.keys(fieldErrors(result.error)) });
    }
  }
  return out;
}

/** Values the schema accepts except for a NUL character put into one of their strings. */
function withNul(
  schema: z.ZodType,
  seed: number,
  count: number,
): { value: unknown; field: string }[] {
  const json = jsonSchemaOf(schema);
  const out: { value: unknown; field: string }[] = [];
  for (const candidate of fc.sample(plausible(json, json), { seed, numRuns: count * 4 })) {
    if (out.length >= count) break;
    const value = roundTrip(candidate);
    if (!schema.safeParse(value).success) continue;
    const strings = paths(value).filter((p) => typeof getAt(value, p) === "string");
    const path = strings[out.length % Math.max(1, strings.length)];
    if (!path) continue;
    const broken = setAt(value, path, (old) => `${String(old)}\u0000x`);
    // Only what the schema still accepts: the NUL is then the one thing wrong.
    if (schema.safeParse(broken).success) out.push({ value: broken, field: path.join(".") });
  }
  return out;
}

const sample = <T>(arb: fc.Arbitrary<T>, seed: number, count: number): T[] =>
  count > 0 ? fc.sample(arb, { seed, numRuns: count }) : [];

const JSON_TYPE = { "Content-Type": "application/json" };

// Bodies a JSON reader must refuse whole, with a message about the body, never a 500.
const BROKEN_JSON = [
  "",
  "{",
  '{"a":',
  "{'a': 1}",
  '{"a": NaN}',
  '{"a": Infinity}',
  '{"a": 1,}',
  "[1, 2",
  "\ufeff{}",
  "undefined",
  '{"a": "\\u00"}',
  '{"a": 01}',
  "\u0000",
  '{"a":1}{"b":2}',
  "[".repeat(100_000),
];
const BODY_WORDS = ["JSON", "body", "Body", "KiB", "Content-Type", "_"];
const TEXT_TYPES = [
  "text/html",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "image/png",
  "",
];

/** Whole-body breakages of a JSON route: broken JSON, wrong content types, oversize, not an object. */
function brokenBodies(
  base: Omit<Payload, "how" | "body" | "headers" | "expect">,
  seed: number,
  count: number,
  acceptsText: boolean,
  capBytes: number,
): Payload[] {
  const kinds = fc.oneof(
    fc.constantFrom(...BROKEN_JSON).map((body) => ({
      how: `broken JSON (${JSON.stringify(body.slice(0, 12))})`,
      body,
      headers: JSON_TYPE as Record<string, string>,
    })),
    fc
      .tuple(fc.constantFrom(...TEXT_TYPES), fc.constantFrom('{"a":1}', "a=1&b=2", "<x/>"))
      // fetch sends a string body without a type as text/plain, which a YAML route reads
      .filter(([type]) => !acceptsText || (type !== "" && !/json|yaml|text\/plain/.test(type)))
      .map(([type, body]) => ({
        how: `content type ${JSON.stringify(type)}`,
        body,
        headers: (type ? { "Content-Type": type } : {}) as Record<string, string>,
      })),
    fc.constantFrom("[]", "null", "42", '"text"', "true", "[{}]").map((body) => ({
      how: `not an object (${body})`,
      body,
      headers: JSON_TYPE as Record<string, string>,
    })),
    fc.constant({
      how: "larger than the cap",
      body: `{"a":"${"x".repeat(capBytes + 10)}"}`,
      headers: JSON_TYPE as Record<string, string>,
    }),
  );
  // Oversize bodies are few: each one is a megabyte on a shared machine.
  return sample(kinds, seed, count).map((k, i) => {
    const oversize = k.how === "larger than the cap" && i % 10 !== 0;
    const chosen = oversize ? { ...k, how: "broken JSON", body: "{" } : k;
    return {
      ...base,
      how: chosen.how,
      body: chosen.body,
      headers: chosen.headers,
      expect: { refuse: true, fields: ["_"], words: BODY_WORDS },
    };
  });
}

function authFor(op: ApiOperation, i: number): Auth {
  if (op.access === "public") return "session";
  const scoped = (TOKEN_SCOPES as readonly string[]).includes(op.access.permission);
  return scoped && i % 2 === 0 ? "token" : "session";
}

/** Path parameter values that name nothing, or are malformed. */
const badPathValue = fc.oneof(
  arbitraries.nastyString.filter(
    (s) => s.length > 0 && s.length < 3_000 && !/^\s*$/.test(s) && s !== "." && s !== "..",
  ),
  // Not "." or "..": the client's URL parser resolves them away before anything is sent.
  fc.constantFrom("-1", "0", "1e999", "NaN", "99999999999999999999", "%2e%2e", "a/b", "ß"),
  fc.string({ minLength: 1, maxLength: 30 }).map((s) => `nope-${s}`),
);

function encodePathValue(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    // lone surrogates cannot be encoded; send them as a broken escape instead
    return "%ED%A0%80";
  }
}

/** What a 404 for a path parameter calls the thing that does not exist, by collection. */
const NOUNS: Record<string, string> = {
  rollouts: "rollout",
  chaos: "experiment",
  slos: "SLO",
  promotions: "request",
  models: "model",
};

function fieldErrorsOf(schema: z.ZodType, value: unknown): Record<string, string> {
  const result = schema.safeParse(value);
  return result.success ? {} : fieldErrors(result.error);
}

function fillPath(op: ApiOperation, values: Record<string, string>): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "x");
}

function realName(op: ApiOperation, f: FuzzFixtures, i: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(op.pathParams ?? {})) {
    if (name === "name" && f.sloNames.length > 0) out[name] = f.sloNames[i % f.sloNames.length]!;
    else if (name === "model" && f.models.length > 0) out[name] = f.models[i % f.models.length]!;
    else out[name] = `nope-${i}`;
  }
  return out;
}

/** The schema the route parses its JSON body with, as the OpenAPI document publishes it. */
function bodySchema(op: ApiOperation): z.ZodType | null {
  return op.body?.schema.schema ?? null;
}

function queryParams(op: ApiOperation): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {};
  const shape = (op.query as z.ZodObject | undefined)?.shape as
    Record<string, z.ZodType> | undefined;
  for (const [k, v] of Object.entries(shape ?? {})) out[k] = v;
  for (const [k, v] of Object.entries(op.queryParams ?? {})) out[k] = v.schema;
  return out;
}

/** A query value as text: drawn malformed for one parameter, nasty or absent for the rest. */
function queryString(
  op: ApiOperation,
  seed: number,
  count: number,
): { query: string; how: string; names: string[]; accepted: boolean }[] {
  const params = queryParams(op);
  const names = Object.keys(params);
  if (names.length === 0) return [];
  const asText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const out: { query: string; how: string; names: string[]; accepted: boolean }[] = [];
  const perParam = names.map((name, i) => {
    const json = jsonSchemaOf(params[name]!);
    return fc.sample(malformed(json, json), { seed: seed + i, numRuns: count + 1 });
  });
  const extras = sample(
    fc.oneof(
      fc.constant("&&&=&=="),
      fc.constant("page=1&page=2&page=-3"),
      fc.constant("%E0%A4%A"),
      fc.constant("a[b][c]=1"),
      arbitraries.nastyString.map((s) => `extra=${encodePathValue(s.slice(0, 2_000))}`),
    ),
    seed + 99,
    count,
  );
  for (let i = 0; i < count; i++) {
    const name = names[i % names.length]!;
    const drawn = perParam[i % names.length]?.[Math.floor(i / names.length) % (count + 1)];
    const value = drawn && typeof drawn.value !== "symbol" ? asText(drawn.value) : "🙂";
    const extra = i % 4 === 0 ? `&${extras[i] ?? ""}` : "";
    const sent = value.slice(0, i % 10 === 0 ? 20_000 : 2_000);
    // Drawn to break the published schema, but the route's own zod schema may still accept it
    // (a lenient filter): then a refusal may rightly be about something else, such as a path.
    const accepted = params[name]!.safeParse(sent).success;
    out.push({
      // Mostly within what the HTTP server reads (16 KiB of headers), a few far beyond it.
      query: `${encodePathValue(name)}=${encodePathValue(sent)}${extra}`,
      how: `query ${name}: ${drawn?.how ?? "nasty"}${accepted ? " (a value the route accepts)" : ""}`,
      names,
      accepted,
    });
  }
  return out;
}

function routeTarget(op: ApiOperation, f: FuzzFixtures): Target {
  const name = `${op.method} ${op.path}`;
  const mutating = op.method !== "GET";
  const schema = bodySchema(op);
  const hasPathParams = Object.keys(op.pathParams ?? {}).length > 0;
  const textBody = (op.body?.textMediaTypes?.length ?? 0) > 0;
  const cap = op.path.includes("alertmanager") ? 512 * 1024 : 1024 * 1024;
  return {
    name,
    weight: schema ? 4 : mutating ? 2 : 1,
    draw(seed, count) {
      const out: Payload[] = [];
      const base = (i: number, url: string) => ({
        target: name,
        method: op.method,
        url,
        auth: authFor(op, i),
        action: false,
      });
      // Shares: schema-broken bodies, whole-body breakages, path parameters, query parameters.
      let bodyCount = schema ? Math.ceil(count * 0.6) : 0;
      let brokenCount = schema ? Math.ceil(count * 0.15) : 0;
      const pathCount = hasPathParams ? Math.ceil(count * (schema ? 0.1 : 0.5)) : 0;
      const queryCount = Math.max(0, count - bodyCount - brokenCount - pathCount);
      if (queryParams(op) && Object.keys(queryParams(op)).length === 0 && !hasPathParams)
        bodyCount += queryCount;
      if (schema) {
        refusedBy(schema, seed, bodyCount).forEach((drawn, i) => {
          out.push({
            ...base(i, fillPath(op, realName(op, f, i))),
            how: drawn.how,
            headers: JSON_TYPE,
            body: JSON.stringify(drawn.value),
            expect: { refuse: true, fields: drawn.fields, words: [] },
          });
        });
        brokenCount += bodyCount - out.length;
        out.push(
          ...brokenBodies(
            base(seed, fillPath(op, realName(op, f, seed))),
            seed + 1,
            brokenCount,
            textBody,
            cap,
          ),
        );
      }
      // What else the route may name first: query parameters it requires, an empty body's fields.
      const alsoNamed = [
        ...Object.keys(queryParams(op)),
        ...(schema ? Object.keys(fieldErrorsOf(schema, {})) : []),
      ];
      const noun = NOUNS[op.path.split("/")[3] ?? ""] ?? "";
      sample(badPathValue, seed + 2, pathCount).forEach((value, i) => {
        const values: Record<string, string> = {};
        for (const p of Object.keys(op.pathParams ?? {})) values[p] = encodePathValue(value);
        out.push({
          ...base(i, fillPath(op, values)),
          how: `path parameter ${JSON.stringify(value.slice(0, 40))}`,
          headers: schema ? JSON_TYPE : {},
          body: schema ? "{}" : undefined,
          // Nothing of that name exists: a 404 (or 422) that names the value or the parameter.
          expect: {
            refuse: true,
            fields: [...Object.keys(op.pathParams ?? {}), ...alsoNamed],
            words: [value.slice(0, 30), ...Object.keys(op.pathParams ?? {}), noun],
          },
        });
      });
      if (!schema || mutating) {
        queryString(op, seed + 3, schema ? 0 : queryCount).forEach((q, i) => {
          // A DELETE with a real name must be refused on its query alone: the drawn value breaks
          // `version`, or the name is one that does not exist.
          const risky = op.method === "DELETE" && !/^version=/.test(q.query);
          const pathValues = risky ? { name: `nope-${i}`, id: `nope-${i}` } : realName(op, f, i);
          // A value the route accepts may be refused for the path instead (a region that does
          // not exist), naming the path's parameter or value rather than the query's.
          const alsoPath = q.accepted
            ? [...Object.keys(op.pathParams ?? {}), ...Object.values(pathValues)]
            : [];
          out.push({
            ...base(i, `${fillPath(op, pathValues)}?${q.query}`),
            how: q.how,
            headers: {},
            expect: {
              refuse: mutating,
              fields: [...q.names, ...alsoPath],
              words: [...q.names, ...alsoPath],
            },
          });
        });
      }
      return out;
    },
  };
}

/**
 * React's reply encoding: a string that starts with "$" is sent as "$$…" (else it reads as a
 * reference). Done on the text, as a replacer would overflow the stack on the deepest values;
 * keys that start with "$" are escaped too, which only renames a field that is noise anyway.
 */
function encodeReply(args: unknown[]): string {
  return JSON.stringify(args).replace(/([[,:])"\$/g, '$1"$$$$');
}

function actionTarget(name: string, f: FuzzFixtures): Target | null {
  const input = ACTION_INPUTS[name];
  const ref = f.actions[name];
  if (!input || !ref) return null;
  const target = `action ${name}`;
  return {
    name: target,
    weight: 2,
    draw(seed, count) {
      const headers = {
        "Next-Action": ref.id,
        "Content-Type": "text/plain;charset=UTF-8",
        Accept: "text/x-component",
      };
      const base = {
        target,
        method: "POST",
        url: ref.page,
        auth: "session" as const,
        action: true,
      };
      const out: Payload[] = refusedBy(input.schema, seed, count).map((drawn) => ({
        ...base,
        how: drawn.how,
        headers,
        body: encodeReply([drawn.value]),
        expect: { refuse: true, fields: drawn.fields, words: [] },
      }));
      // Valid but for a NUL character in one string: PostgreSQL cannot hold it, so the action
      // must refuse it by name rather than fail in the query.
      out.push(
        ...withNul(input.schema, seed + 2, Math.ceil(count * 0.1)).map((drawn) => ({
          ...base,
          how: `NUL character in ${drawn.field}`,
          headers,
          body: encodeReply([drawn.value]),
          // Its other values were drawn, not looked up: "no such rollout" is a right answer too.
          expect: { refuse: true, fields: [drawn.field], words: [], anyReason: true },
        })),
      );
      // The arguments themselves malformed: no argument, several, not a list.
      const shapes = sample(
        fc.constantFrom(
          { how: "no argument", body: "[]" },
          { how: "argument is null", body: "[null]" },
          { how: "argument is a string", body: '["x"]' },
          { how: "argument is a number", body: "[-1]" },
          { how: "argument is an array", body: "[[1,2,3]]" },
        ),
        seed + 1,
        count - out.length,
      );
      for (const s of shapes)
        out.push({
          ...base,
          how: s.how,
          headers,
          body: s.body,
          expect: { refuse: true, fields: ["_"], words: [] },
        });
      return out;
    },
  };
}

// ---- YAML documents: OpenSLO import and fleet configuration apply ----

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function getAt(doc: unknown, path: Path): unknown {
  let node = doc;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

function setAt(doc: unknown, path: Path, make: (old: unknown) => unknown | typeof DELETE): unknown {
  const copy = structuredClone(doc);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const next = make(node[last]);
  if (next === DELETE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = next;
  return copy;
}
const DELETE = Symbol("delete");

const breakValue = fc.oneof(
  fc.constant(DELETE),
  arbitraries.nastyString,
  arbitraries.nastyNumber,
  fc.constantFrom(null, true, [], {}, [1, 2], { x: { y: { z: 1 } } }, -1, 0, 1.5, 1e308, "", "🙂"),
  // Shallower than the JSON bodies' nesting: the YAML writer recurses per level.
  fc.integer({ min: 20, max: 300 }).map((depth) => {
    let v: unknown = "bottom";
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
    return v;
  }),
);

/** YAML text a parser must refuse or read safely: tabs, bad quotes, alias bombs, tags. */
const BROKEN_YAML = [
  "a: [1, 2",
  "a:\n\t- b",
  'a: "unterminated',
  "- a\nb: c",
  "a: &x [*x]",
  "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
  "a: !!binary |\n  not base64 !!",
  "a: !!js/function 'function(){}'",
  "a: 1\na: 2",
  "? [complex, key]\n: value",
  "%YAML 9.9\n---\na: 1",
  "--- |\n  just text",
  "a: .nan\nb: .inf\nc: -.inf",
  "\u0000\u0001",
  "[".repeat(20_000),
];

function yamlTarget(
  name: string,
  documents: unknown[],
  check: (text: string) => string | null,
  request: (text: string, i: number) => Pick<Payload, "url" | "headers" | "body" | "auth">,
): Target {
  return {
    name: `${name} (YAML)`,
    weight: 4,
    draw(seed, count) {
      const out: Payload[] = [];
      // Every broken text once (an alias bomb found by chance is no regression test), then drawn.
      const extra = Math.max(0, Math.ceil(count * 0.2) - BROKEN_YAML.length);
      const broken = [...BROKEN_YAML, ...sample(fc.constantFrom(...BROKEN_YAML), seed + 1, extra)];
      const all = documents.flatMap((d, i) => paths(d).map((p) => [i, p] as const));
      const drawn =
        all.length === 0
          ? []
          : fc.sample(fc.tuple(fc.constantFrom(...all), breakValue, fc.boolean()), {
              seed,
              numRuns: count * 3,
            });
      for (const [[docIndex, path], value, twice] of drawn) {
        if (out.length >= count - broken.length) break;
        const docs = documents.map((d, i) => (i === docIndex ? setAt(d, path, () => value) : d));
        let text: string;
        try {
          text = stringifyYamlDocuments(twice ? [...docs, ...docs] : docs);
        } catch {
          continue; // too deep for the YAML writer
        }
        const problem = check(text);
        if (problem === null) continue; // valid: it would change rows if sent
        const key = [...path].reverse().find((p) => typeof p === "string") ?? "";
        out.push({
          target: `${name} (YAML)`,
          how: `${value === DELETE ? "removed" : "replaced"} ${path.join(".")}`,
          method: "POST",
          action: false,
          ...request(text, out.length),
          expect: { refuse: true, fields: [], words: [problem.slice(0, 80), String(key)] },
        });
      }
      for (const text of broken) {
        const problem = check(text);
        if (problem === null) continue;
        out.push({
          target: `${name} (YAML)`,
          how: `broken YAML ${JSON.stringify(text.slice(0, 20))}`,
          method: "POST",
          action: false,
          ...request(text, out.length),
          // The reader's own message for this text, or any that gives the line and column.
          expect: { refuse: true, fields: [], words: [problem.slice(0, 80), "YAML:", "body:1:"] },
        });
      }
      return out;
    },
  };
}

/** The first problem the app's own readers find in a YAML text, or null when it is valid. */
export function sloYamlProblem(text: string): string | null {
  try {
    const { documents, errors } = parseYamlDocuments(text, "YAML");
    if (errors.length > 0) return errors[0]!;
    if (documents.length === 0) return "The YAML holds no documents.";
    parseSloDocuments(documents, { team: undefined, now: new Date() });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function configYamlProblem(text: string): string | null {
  try {
    const { documents, errors } = parseYamlDocuments(text, "body");
    if (errors.length > 0) return errors[0]!;
    if (documents.length > 1) return `body holds ${documents.length} YAML documents`;
    const parsed = parseFleetConfig(documents[0]);
    return parsed.ok ? null : (parsed.errors[0] ?? "invalid");
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The first documents of an export that are valid on their own: breaking one of 8 documents
 * tests the reader as well as breaking one of 100, and each draw writes and reads the whole text.
 */
function smallestValid(docs: unknown[], problem: (text: string) => string | null): unknown[] {
  for (let n = 4; n < docs.length; n += 4) {
    const some = docs.slice(0, n);
    if (problem(stringifyYamlDocuments(some)) === null) return some;
  }
  return docs;
}

/** The fleet file with at most two objects per section, for the same reason. */
function trimConfig(doc: unknown): unknown {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return doc;
  return Object.fromEntries(
    Object.entries(doc).map(([k, v]) => [k, Array.isArray(v) ? v.slice(0, 2) : v]),
  );
}

export function buildTargets(f: FuzzFixtures): Target[] {
  const targets: Target[] = API_OPERATIONS.filter((op) => op.access !== "public").map((op) =>
    routeTarget(op, f),
  );
  for (const name of Object.keys(ACTION_INPUTS)) {
    const t = actionTarget(name, f);
    if (t) targets.push(t);
  }
  const openslo = f.opensloYaml
    ? smallestValid(parseYamlDocuments(f.opensloYaml, "x").documents, sloYamlProblem)
    : [];
  targets.push(
    yamlTarget("POST /api/v1/slos/import", openslo, sloYamlProblem, (text, i) => ({
      url: "/api/v1/slos/import",
      headers: { "Content-Type": i % 3 === 0 ? "text/plain" : "application/yaml" },
      body: text,
      auth: "session",
    })),
  );
  const config = f.configYaml ? [trimConfig(parseYaml(f.configYaml) as unknown)] : [];
  targets.push(
    yamlTarget("POST /api/v1/config/apply", config, configYamlProblem, (text, i) => ({
      url: `/api/v1/config/apply${i % 2 === 0 ? "?dryRun=true" : ""}`,
      headers: { "Content-Type": "application/yaml" },
      body: text,
      auth: "session",
    })),
  );
  return targets;
}

/** Splits `total` payloads over the targets by weight, and draws them, deterministically. */
export function drawPayloads(
  targets: Target[],
  total: number,
  seed: number,
  log: (line: string) => void = () => {},
): Payload[] {
  const weights = targets.reduce((s, t) => s + t.weight, 0);
  const all: Payload[] = [];
  targets.forEach((t, i) => {
    const count = Math.max(5, Math.round((total * 1.15 * t.weight) / weights));
    const started = Date.now();
    all.push(...t.draw(seed + i * 7919, count));
    const ms = Date.now() - started;
    if (ms > 1_000) log(`drawing ${count} for ${t.name} took ${ms} ms`);
  });
  // Interleave targets so a slow route does not leave the others waiting, and trim to the total.
  const shuffled = fc.sample(fc.shuffledSubarray(all, { minLength: all.length }), {
    seed,
    numRuns: 1,
  })[0]!;
  return shuffled.slice(0, total);
}
