// The input fuzzing scenario's generators and the schemas they break, in-process and fast:
// every server action's input and every /api/v1 request body refuses malformed values with a
// field name, and never throws while doing so. The scenario (tests/reliability/scenarios/
// fuzz.ts) sends the same payloads to the built app.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { API_OPERATIONS } from "@/app/api/v1/openapi.json/operations";
import { fieldErrors } from "@/lib/schemas/errors";
import { ACTION_INPUTS } from "../../reliability/fuzz/actions";
import { malformed, type JsonSchema } from "../../reliability/fuzz/json-schema";

const ACTIONS_DIR = path.resolve(import.meta.dirname, "../../../src/actions");

/** `export const name = defineAction({ … input: schemaName` in each action file. */
function declaredActions(): Map<string, { file: string; input: string }> {
  const out = new Map<string, { file: string; input: string }>();
  for (const file of readdirSync(ACTIONS_DIR).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(path.join(ACTIONS_DIR, file), "utf8");
    const re = /export const (\w+) = defineAction\(\{[\s\S]*?\n\s+input: ([\w.]+)/g;
    for (const m of text.matchAll(re)) {
      out.set(m[1]!, { file: file.replace(/\.ts$/, ""), input: m[2]! });
    }
  }
  return out;
}

describe("the fuzz scenario's table of action inputs", () => {
  it("lists every server action with the schema its `input:` names", () => {
    const declared = declaredActions();
    expect(declared.size).toBeGreaterThan(30);
    expect(Object.keys(ACTION_INPUTS).sort()).toEqual([...declared.keys()].sort());
    for (const [name, entry] of Object.entries(ACTION_INPUTS)) {
      const source = declared.get(name)!;
      expect(entry.file, name).toBe(source.file);
      expect(entry.schemaName, name).toBe(source.input === "z.object" ? "inline" : source.input);
    }
  });
});

const schemas: [string, z.ZodType][] = [
  ...Object.entries(ACTION_INPUTS).map(([name, e]): [string, z.ZodType] => [name, e.schema]),
  ...API_OPERATIONS.filter((op) => op.body).map((op): [string, z.ZodType] => [
    `${op.method} ${op.path}`,
    op.body!.schema.schema,
  ]),
];

describe.each(schemas)("%s", (_name, schema) => {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;

  it("refuses malformed input with a field name, without throwing", () => {
    let refused = 0;
    fc.assert(
      fc.property(malformed(json, json), ({ value }) => {
        if (typeof value === "symbol") return;
        // As the app receives it: through JSON.
        const sent = JSON.parse(JSON.stringify(value)) as unknown;
        const result = schema.safeParse(sent);
        if (result.success) return; // a draw the schema accepts: the scenario skips these
        refused++;
        const fields = fieldErrors(result.error);
        expect(Object.keys(fields).length).toBeGreaterThan(0);
        for (const message of Object.values(fields)) expect(message.length).toBeGreaterThan(0);
      }),
      { numRuns: 15, seed: 19 },
    );
    expect(refused).toBeGreaterThan(0);
  });
});
