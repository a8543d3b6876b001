/**
 * Custom resources as the API server serves them from their CustomResourceDefinitions: names,
 * scope, subresources and printer columns from the CRD, and objects pruned, defaulted and
 * validated against the CRD's structural OpenAPI v3 schema (with ajv in non-strict mode, so the
 * `x-kubernetes-*` extensions pass through; int-or-string is the schema's own `anyOf`).
 *
 * The vendored CRDs (crds/, see its README) are parsed once per process and each schema is
 * compiled on first use: the InferenceService schema is 2 MB of YAML, so identical sub-schemas
 * (container specs repeat dozens of times) are shared as `$defs` before compiling.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import type { FieldError } from "./errors";
import { isRecord } from "./types";

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    scope: "Namespaced" | "Cluster";
    names: {
      plural: string;
      singular?: string;
      kind: string;
      listKind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema?: { openAPIV3Schema?: Record<string, unknown> };
      subresources?: { status?: Record<string, never>; scale?: Record<string, unknown> };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

const CRD_DIR = fileURLToPath(new URL("./crds/", import.meta.url));

/** The vendored CRD files: Argo Rollouts' Rollout and KServe's InferenceService. */
export const VENDORED_CRDS = ["rollout-crd.yaml.gz", "serving.kserve.io_inferenceservices.yaml.gz"];

let vendored: CustomResourceDefinition[] | null = null;

/** The vendored CRDs, parsed once per process. */
export function vendoredCrds(): CustomResourceDefinition[] {
  vendored ??= VENDORED_CRDS.map(
    (file) =>
      parse(gunzipSync(readFileSync(CRD_DIR + file)).toString("utf8")) as CustomResourceDefinition,
  );
  return vendored;
}

type Schema = Record<string, unknown>;

/** Replaces repeated large sub-schemas by `$ref`s into `$defs` (compiles 10× faster). */
function shareRepeatedSchemas(root: Schema): Schema {
  const defs = new Map<string, string>();
  const bodies: Record<string, unknown> = {};
  const walk = (s: unknown, depth: number): unknown => {
    if (Array.isArray(s)) return s.map((x) => walk(x, depth + 1));
    if (!isRecord(s)) return s;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === "description") continue;
      if (k === "properties" && isRecord(v)) {
        out[k] = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, walk(ps, depth + 1)]));
      } else if (k === "default" || k === "enum" || k === "example") out[k] = v;
      else out[k] = walk(v, depth + 1);
    }
    const key = JSON.stringify(out);
    if (
      depth > 1 &&
      key.length > 500 &&
      (out.properties !== undefined || out.items !== undefined)
    ) {
      let name = defs.get(key);
      if (!name) {
        name = `s${defs.size}`;
        defs.set(key, name);
        bodies[name] = out;
      }
      return { $ref: `#/$defs/${name}` };
    }
    return out;
  };
  const shared = walk(root, 0) as Schema;
  return { ...shared, $defs: bodies };
}

let ajv: Ajv | null = null;

function compiler(): Ajv {
  ajv ??= new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: false,
    useDefaults: true,
    inlineRefs: false,
    code: { optimize: false },
  });
  return ajv;
}

/** One served version of a CRD: its schema, compiled lazily and shared by every server. */
export class CrdSchema {
  private validator: ValidateFunction | null = null;

  constructor(readonly schema: Schema) {}

  private validate(): ValidateFunction {
    this.validator ??= compiler().compile(shareRepeatedSchemas(this.schema));
    return this.validator;
  }

  /**
   * Prunes unknown fields and nulls of non-nullable fields (returned as paths, for the
   * `fieldValidation` answer), applies the schema's defaults, then validates. Mutates `object`.
   */
  admit(object: Record<string, unknown>): { pruned: string[]; errors: FieldError[] } {
    const pruned: string[] = [];
    const rest = Object.fromEntries(
      Object.entries(object).filter(
        ([k]) => k !== "apiVersion" && k !== "kind" && k !== "metadata",
      ),
    );
    prune(rest, this.schema, "", pruned, true);
    for (const key of Object.keys(object)) {
      if (key !== "apiVersion" && key !== "kind" && key !== "metadata" && !(key in rest)) {
        delete object[key];
      }
    }
    const validate = this.validate();
    if (validate(object)) return { pruned, errors: [] };
    return { pruned, errors: fieldErrors(validate.errors ?? [], object) };
  }
}

function prune(
  value: unknown,
  schema: unknown,
  path: string,
  pruned: string[],
  root = false,
): void {
  if (!isRecord(schema)) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    value.forEach((item, i) => prune(item, items, `${path}[${i}]`, pruned));
    return;
  }
  if (!isRecord(value)) return;
  const properties = isRecord(schema.properties) ? schema.properties : null;
  const additional = schema.additionalProperties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = schema["x-kubernetes-embedded-resource"] === true;
  if (!properties && additional === undefined && !root) {
    // int-or-string, maps that keep unknown fields: nothing to prune. An object schema without
    // fields keeps none (structural pruning).
    if (preserve || schema.type !== "object") return;
  }
  for (const key of Object.keys(value)) {
    const child = value[key];
    const childPath = path ? `${path}.${key}` : key;
    if (embedded && (key === "apiVersion" || key === "kind" || key === "metadata")) continue;
    const childSchema = properties?.[key] ?? (isRecord(additional) ? additional : undefined);
    if (childSchema === undefined && additional !== true && !preserve) {
      delete value[key];
      pruned.push(childPath);
      continue;
    }
    if (child === null && isRecord(childSchema) && childSchema.nullable !== true) {
      delete value[key];
      continue;
    }
    if (childSchema !== undefined) prune(child, childSchema, childPath, pruned);
  }
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** `/spec/template/spec/containers/0/name` → `spec.template.spec.containers[0].name`. */
function fieldPath(pointer: string, object: unknown): string {
  let node: unknown = object;
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      out += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      out += out ? `.${segment}` : segment;
      node = isRecord(node) ? node[segment] : undefined;
    }
  }
  return out;
}

function valueAt(pointer: string, object: unknown): unknown {
  let node: unknown = object;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) node = node[Number(segment)];
    else node = isRecord(node) ? node[segment] : undefined;
  }
  return node;
}

/** ajv's errors in the API server's words (kube-openapi's validation messages). */
function fieldErrors(errors: ErrorObject[], object: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.schemaPath.includes("/anyOf/")) continue; // reported once, by the anyOf error
    const field = fieldPath(e.instancePath, object);
    const value = valueAt(e.instancePath, object);
    const params = e.params as Record<string, unknown>;
    let error: FieldError;
    switch (e.keyword) {
      case "type":
        error = {
          type: "TypeInvalid",
          field,
          value: typeName(value),
          detail: `${field} in body must be of type ${String(params.type)}: ${JSON.stringify(typeName(value))}`,
        };
        break;
      case "anyOf":
        error = {
          type: "TypeInvalid",
          field,
          value: typeName(value),
          detail: `${field} in body must be of type integer or string: ${JSON.stringify(typeName(value))}`,
        };
        break;
      case "required": {
        const missing = String(params.missingProperty);
        error = { type: "Required", field: field ? `${field}.${missing}` : missing };
        break;
      }
      case "enum":
        error = {
          type: "NotSupported",
          field,
          value,
          detail: `supported values: ${((params.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(", ")}`,
        };
        break;
      case "pattern":
        error = {
          type: "Invalid",
          field,
          value,
          detail: `${field} in body should match '${String(params.pattern)}'`,
        };
        break;
      case "minimum":
        error = {
          type: "Invalid",
          field,
          value,
          detail: `${field} in body should be greater than or equal to ${String(params.limit)}`,
        };
        break;
      case "maximum":
        error = {
          type: "Invalid",
          field,
          value,
          detail: `${field} in body should be less than or equal to ${String(params.limit)}`,
        };
        break;
      case "maxLength":
        error = {
          type: "TooLong",
          field,
          detail: `may not be more than ${String(params.limit)} bytes`,
        };
        break;
      case "minLength":
        error = {
          type: "Invalid",
          field,
          value,
          detail: `${field} in body should be at least ${String(params.limit)} chars long`,
        };
        break;
      case "maxItems":
        error = {
          type: "TooMany",
          field,
          detail: `must have at most ${String(params.limit)} items`,
        };
        break;
      case "minItems":
        error = {
          type: "Invalid",
          field,
          value,
          detail: `${field} in body should have at least ${String(params.limit)} items`,
        };
        break;
      default:
        error = {
          type: "Invalid",
          field,
          value,
          detail: `${field} in body ${e.message ?? "is invalid"}`,
        };
    }
    const key = `${error.type}:${error.field}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(error);
    }
  }
  return out;
}
