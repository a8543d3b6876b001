// Schema-driven payload generators for the fuzz scenario. They read JSON Schema, as the OpenAPI
// document publishes it and as z.toJSONSchema writes it for a server action's input, so a
// route or action added later is fuzzed without writing a generator for it.
//
// `plausible` draws a value meant to satisfy a schema (it may not, where a refinement or a
// pattern it cannot draw from is involved); `malformed` draws one that breaks it in one place:
// a wrong type, a missing required field, an unknown enum value, a number or length out of
// bounds, an unknown field where none is allowed. Callers confirm with the zod schema itself
// that the value is invalid (and read which fields zod names) before they send it.
import fc from "fast-check";

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  $defs?: Record<string, JsonSchema>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** A drawn payload and how it was broken, for the figures and for reproducing a failure. */
export interface Malformed {
  value: unknown;
  /** e.g. "wrong type at window.days", "missing name" */
  how: string;
}

const MAX_DEPTH = 6;

/**
 * A schema's `pattern` as validators read it: a Unicode regular expression (ajv compiles every
 * pattern with the `u` flag). Without it `[^\p{Cc}]` means "none of p, {, C, c, }", and a
 * name such as "{{7*7}}", which the app rightly accepts, was drawn as a pattern mismatch.
 */
export function schemaPattern(pattern: string): RegExp {
  return new RegExp(pattern, "u");
}

/** Resolves `#/$defs/x` and `#/components/schemas/X` against the document the schema came from. */
export function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const parts = current.$ref.replace(/^#\//, "").split("/");
    let target: unknown = root;
    for (const part of parts) target = (target as Record<string, unknown> | undefined)?.[part];
    if (!target) throw new Error(`Unresolved $ref ${current.$ref}`);
    current = target as JsonSchema;
  }
  return current;
}

function types(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.enum) return [...new Set(schema.enum.map(jsonType))];
  if (schema.const !== undefined) return [jsonType(schema.const)];
  return [];
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

/** Every JSON type a node accepts, through unions; "any" when it accepts everything. */
function acceptedTypes(schema: JsonSchema, root: JsonSchema): Set<string> {
  const s = resolve(schema, root);
  const branches = s.anyOf ?? s.oneOf;
  const out = new Set<string>();
  if (branches) for (const b of branches) for (const t of acceptedTypes(b, root)) out.add(t);
  if (s.allOf) for (const b of s.allOf) for (const t of acceptedTypes(b, root)) out.add(t);
  for (const t of types(s)) out.add(t);
  if (out.has("integer")) out.add("number");
  if (out.size === 0 && !branches && !s.allOf) out.add("any");
  return out;
}

/** Merges allOf branches of objects into one object schema (what zod's intersections publish). */
function flatten(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const s = resolve(schema, root);
  if (!s.allOf) return s;
  const merged: JsonSchema = { type: "object", properties: {}, required: [] };
  for (const branch of s.allOf) {
    const b = flatten(branch, root);
    Object.assign(merged.properties ?? {}, b.properties ?? {});
    merged.required = [...new Set([...(merged.required ?? []), ...(b.required ?? [])])];
  }
  return merged;
}

// Strings that are hard on parsers and databases: unicode of every plane, control characters,
// NUL, right-to-left marks, lookalike letters, SQL and path fragments, and very long ones.
const nastyString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\u202e\u0041\u0042",
    "𝔣𝔩𝔦𝔤𝔥𝔱𝔡𝔢𝔠𝔨",
    "ＡＢＣ",
    '\'; DROP TABLE "User"; --',
    "../../../../etc/passwd",
    "%00%ff",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "NaN",
    "Infinity",
    "-0",
    "1e309",
    "null",
    "true",
    "[object Object]",
    "\ud800",
    "🙂".repeat(50),
  ),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => "x".repeat(n)),
);

const nastyNumber = fc.oneof(
  fc.constantFrom(-1, 0, -0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324, 0.1 + 0.2),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
);

/** Deep nesting: arrays or objects hundreds of levels deep. */
const deepValue = fc
  .tuple(fc.integer({ min: 50, max: 3_000 }), fc.boolean())
  .map(([depth, arrays]) => {
    let v: unknown = "bottom";
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
    return v;
  });

/** A value of a JSON type the node does not accept: no coercion in zod turns these valid. */
function wrongType(accepted: Set<string>): fc.Arbitrary<unknown> | null {
  if (accepted.has("any")) return null;
  const options: fc.Arbitrary<unknown>[] = [];
  // Non-numeric text breaks numbers even where zod coerces (Number("abc") is NaN).
  if (!accepted.has("string"))
    options.push(fc.constantFrom("abc", "twelve", "1,5", "0x", "--1", "NaN", "🙂"));
  if (!accepted.has("object")) {
    options.push(fc.constantFrom({}, { value: 1 }, { $gt: "" }, { __proto__: { x: 1 } }));
    options.push(deepValue.filter((v) => !Array.isArray(v)));
  }
  if (!accepted.has("array")) options.push(fc.constantFrom([1, 2], ["a", "b"], [[]], [{}, {}]));
  if (!accepted.has("number") && !accepted.has("string"))
    options.push(fc.constantFrom(42, -1, 3.5, 1e308));
  if (!accepted.has("boolean") && !accepted.has("string") && !accepted.has("number"))
    options.push(fc.constantFrom(true, false));
  if (!accepted.has("null") && !accepted.has("string") && !accepted.has("number"))
    options.push(fc.constant(null));
  return options.length > 0 ? fc.oneof(...options) : null;
}

/** A value meant to satisfy the schema; occasionally nasty where the schema allows it. */
export function plausible(schema: JsonSchema, root: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const s = flatten(schema, root);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return fc.oneof(...branches.map((b) => plausible(b, root, depth + 1)));
  const [type] = types(s);
  switch (type) {
    case "object": {
      if (depth > MAX_DEPTH) return fc.constant({});
      const props = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(props))
        model[key] = plausible(value, root, depth + 1);
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    case "array": {
      const items = s.items ?? {};
      return fc.array(plausible(items, root, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
      });
    }
    case "string":
      return plausibleString(s);
    case "integer":
    case "number": {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum : min + 100);
      if (type === "integer")
        return fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) });
      const lo = s.exclusiveMinimum ?? min;
      return fc
        .double({ min: lo, max: Math.max(lo, max), noNaN: true, noDefaultInfinity: true })
        .filter((n) => n !== s.exclusiveMinimum && n !== s.exclusiveMaximum);
    }
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
  }
}

function plausibleString(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 40;
  const fits = (v: string) => v.length >= min && v.length <= max;
  if (s.pattern) {
    const re = schemaPattern(s.pattern);
    return fc.stringMatching(re).filter((v) => fits(v) || v.length >= min);
  }
  if (s.format === "email") return fc.emailAddress().filter(fits);
  if (s.format === "date-time")
    return fc
      .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString());
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 24) }) },
    { weight: 1, arbitrary: nastyString.filter(fits) },
  );
}

/** Local breakages of one node: the node itself is wrong, whatever its parent holds. */
function breakNode(schema: JsonSchema, root: JsonSchema): fc.Arbitrary<Malformed>[] {
  const s = flatten(schema, root);
  const out: fc.Arbitrary<Malformed>[] = [];
  const wrong = wrongType(acceptedTypes(s, root));
  if (wrong) out.push(wrong.map((value) => ({ value, how: "wrong type" })));
  if (s.enum && s.enum.every((e) => typeof e === "string")) {
    const values = s.enum as string[];
    out.push(
      fc
        .oneof(
          fc.constantFrom(...values).map((v) => v.toUpperCase() + "_"),
          fc.constantFrom(...values).map((v) => ` ${v}`),
          nastyString,
        )
        .filter((v) => !values.includes(v))
        .map((value) => ({ value, how: "unknown enum value" })),
    );
  }
  if (typeof s.const === "string") {
    const c = s.const;
    out.push(
      fc
        .constantFrom(`${c}x`, c.toUpperCase() + "!", "", "v0")
        .filter((v) => v !== c)
        .map((value) => ({ value, how: "wrong constant" })),
    );
  }
  const [type] = types(s);
  if (type === "integer" || type === "number") {
    const bad: fc.Arbitrary<number>[] = [];
    if (s.minimum !== undefined)
      bad.push(fc.constantFrom(s.minimum - 1, s.minimum - 0.5, -1e308, s.minimum - 1e9));
    if (s.exclusiveMinimum !== undefined)
      bad.push(fc.constantFrom(s.exclusiveMinimum, s.exclusiveMinimum - 1, -1e-9));
    if (s.maximum !== undefined)
      bad.push(fc.constantFrom(s.maximum + 1, s.maximum * 10 + 1, 1e308));
    if (s.exclusiveMaximum !== undefined)
      bad.push(fc.constantFrom(s.exclusiveMaximum, s.exclusiveMaximum + 1e-6));
    if (type === "integer") bad.push(fc.constantFrom(0.5, 1.5, 2.000001, -0.1));
    if (bad.length > 0) out.push(fc.oneof(...bad).map((value) => ({ value, how: "out of range" })));
  }
  if (type === "string") {
    if (s.maxLength !== undefined) {
      const n = s.maxLength;
      out.push(
        fc
          .oneof(
            fc.constant("y".repeat(n + 1)),
            fc.constant("🙂".repeat(n + 1)),
            fc.integer({ min: n + 1, max: n + 100_000 }).map((k) => "z".repeat(k)),
          )
          .map((value) => ({ value, how: "too long" })),
      );
    }
    if (s.minLength !== undefined && s.minLength > 0)
      out.push(
        fc.constant("".padEnd(s.minLength - 1, "a")).map((value) => ({ value, how: "too short" })),
      );
    if (s.pattern) {
      const re = schemaPattern(s.pattern);
      out.push(
        nastyString.filter((v) => !re.test(v)).map((value) => ({ value, how: "pattern mismatch" })),
      );
    }
    if (s.format === "email")
      out.push(
        fc.constantFrom("no-at-sign", "a@", "@b.c", "a@b@c", "ä@ö").map((value) => ({
          value,
          how: "not an email",
        })),
      );
    if (s.format === "date-time")
      out.push(
        fc
          .constantFrom("2026-13-45T99:99:99Z", "yesterday", "0000-00-00", "2026-02-30T00:00:00Z")
          .map((value) => ({ value, how: "not a date" })),
      );
  }
  if (type === "array") {
    if (s.maxItems !== undefined) {
      const items = s.items ?? {};
      out.push(
        fc
          .array(plausible(items, root, MAX_DEPTH), {
            minLength: s.maxItems + 1,
            maxLength: s.maxItems + 20,
          })
          .map((value) => ({ value, how: "too many items" })),
      );
    }
    if (s.minItems !== undefined && s.minItems > 0)
      out.push(fc.constant([]).map((value) => ({ value, how: "too few items" })));
  }
  return out;
}

/**
 * A value that breaks the schema in one drawn place (at the top, or inside a field or an item),
 * with noise around it: unknown fields, nasty strings in other fields.
 */
export function malformed(
  schema: JsonSchema,
  root: JsonSchema,
  depth = 0,
): fc.Arbitrary<Malformed> {
  const s = flatten(schema, root);
  const options: fc.Arbitrary<Malformed>[] = [...breakNode(s, root)];
  const [type] = types(s);
  if (type === "object" && s.properties && depth <= MAX_DEPTH) {
    const props = s.properties;
    const base = plausible(s, root, depth) as fc.Arbitrary<Record<string, unknown>>;
    const required = (s.required ?? []).filter((k) => k in props);
    if (required.length > 0)
      options.push(
        fc.tuple(base, fc.constantFrom(...required)).map(([obj, key]) => {
          const copy = { ...obj };
          delete copy[key];
          return { value: copy, how: `missing ${key}` };
        }),
      );
    for (const [key, child] of Object.entries(props)) {
      options.push(
        fc.tuple(base, malformed(child, root, depth + 1)).map(([obj, bad]) => ({
          value: { ...obj, [key]: bad.value },
          how: `${bad.how} at ${key}`,
        })),
      );
    }
    if (s.additionalProperties === false)
      options.push(
        fc.tuple(base, fc.string({ minLength: 1, maxLength: 12 })).map(([obj, key]) => ({
          value: key in props ? { ...obj, [`${key}_x`]: 1 } : { ...obj, [key]: 1 },
          how: "unknown field",
        })),
      );
  }
  if (type === "array" && s.items && depth <= MAX_DEPTH) {
    const items = s.items;
    options.push(
      fc
        .tuple(
          fc.array(plausible(items, root, depth + 1), { maxLength: 2 }),
          malformed(items, root, depth + 1),
        )
        .map(([arr, bad]) => ({ value: [...arr, bad.value], how: `${bad.how} in an item` })),
    );
  }
  if (options.length === 0)
    return fc.constant({ value: Symbol.for("unbreakable"), how: "nothing to break" });
  const broken = fc.oneof(...options);
  if (type !== "object" || depth > 0) return broken;
  // Noise at the top: unknown fields, some deep or huge, which a parser must not choke on.
  return fc
    .tuple(
      broken,
      fc.dictionary(
        fc.constantFrom("extra", "__proto__", "constructor", "ß", "🙂", "$where", "a.b"),
        fc.oneof(nastyString, nastyNumber, deepValue),
        { maxKeys: 2 },
      ),
    )
    .map(([bad, noise]) =>
      bad.value !== null && typeof bad.value === "object" && !Array.isArray(bad.value)
        ? { value: { ...noise, ...(bad.value as object) }, how: bad.how }
        : bad,
    );
}

export const arbitraries = { nastyString, nastyNumber, deepValue };
