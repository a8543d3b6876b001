/**
 * The three patch formats of PATCH requests: JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902) and, for built-in kinds, strategic merge patch (a merge patch whose lists of
 * objects merge by key, with `$patch`, `$retainKeys`, `$setElementOrder/…` and
 * `$deleteFromPrimitiveList/…` directives). Errors carry the API server's status codes.
 */
import { KubeErrors } from "./errors";
import { clone, isRecord, jsonEqual } from "./types";

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON patch

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

class JsonPatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/"))
    throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

type Container = Record<string, unknown> | unknown[];

/** The parent of the pointer's target and the last key; throws when the parent is missing. */
function locate(doc: unknown, path: string[], op: string, pointer: string): [Container, string] {
  let node: unknown = doc;
  for (const segment of path.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isRecord(node)) node = node[segment];
    else node = undefined;
    if (node === undefined) {
      throw new JsonPatchError(
        `${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`,
      );
    }
  }
  if (!Array.isArray(node) && !isRecord(node)) {
    throw new JsonPatchError(
      `${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`,
    );
  }
  return [node, path[path.length - 1] ?? ""];
}

function arrayIndex(
  arr: unknown[],
  key: string,
  forInsert: boolean,
  op: string,
  pointer: string,
): number {
  if (forInsert && key === "-") return arr.length;
  const i = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : NaN;
  if (!Number.isInteger(i) || i < 0 || i > arr.length || (!forInsert && i === arr.length)) {
    throw new JsonPatchError(
      `${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`,
    );
  }
  return i;
}

function getAt(doc: unknown, pointer: string, op: string): unknown {
  const path = parsePointer(pointer);
  if (path.length === 0) return doc;
  const [parent, key] = locate(doc, path, op, pointer);
  const value = Array.isArray(parent)
    ? parent[arrayIndex(parent, key, false, op, pointer)]
    : parent[key];
  if (value === undefined) {
    throw new JsonPatchError(
      `${op} operation does not apply: doc is missing key: ${pointer}: missing value`,
    );
  }
  return value;
}

function removeAt(doc: unknown, pointer: string, op: string): unknown {
  const path = parsePointer(pointer);
  const [parent, key] = locate(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, false, op, pointer);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) {
    throw new JsonPatchError(
      `${op} operation does not apply: doc is missing key: ${pointer}: missing value`,
    );
  }
  const value = parent[key];
  delete parent[key];
  return value;
}

function addAt(
  doc: unknown,
  pointer: string,
  value: unknown,
  op: string,
  replace: boolean,
): unknown {
  const path = parsePointer(pointer);
  if (path.length === 0) return value;
  const [parent, key] = locate(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, !replace, op, pointer);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else {
    if (replace && !(key in parent)) {
      throw new JsonPatchError(
        `replace operation does not apply: doc is missing key: ${pointer}: missing value`,
      );
    }
    parent[key] = value;
  }
  return doc;
}

/** Applies a JSON patch; a patch that does not apply answers 422 like the API server. */
export function jsonPatch(doc: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw KubeErrors.badRequest(
      "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    );
  }
  let out = clone(doc);
  try {
    for (const raw of operations) {
      if (!isRecord(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
        throw new JsonPatchError("invalid operation: missing op or path");
      }
      const { op, path } = raw;
      switch (op) {
        case "add":
          out = addAt(out, path, clone(raw.value), op, false);
          break;
        case "replace":
          out = addAt(out, path, clone(raw.value), op, true);
          break;
        case "remove":
          removeAt(out, path, op);
          break;
        case "move":
        case "copy": {
          if (typeof raw.from !== "string")
            throw new JsonPatchError(`${op} operation missing from`);
          const value =
            op === "move" ? removeAt(out, raw.from, op) : clone(getAt(out, raw.from, op));
          out = addAt(out, path, value, op, false);
          break;
        }
        case "test": {
          let current: unknown;
          try {
            current = getAt(out, path, op);
          } catch {
            current = undefined;
          }
          if (!jsonEqual(current, raw.value)) {
            throw new JsonPatchError(`testing value ${path} failed: test failed`);
          }
          break;
        }
        default:
          throw new JsonPatchError(`Unexpected kind: ${op}`);
      }
    }
  } catch (e) {
    if (e instanceof JsonPatchError) throw KubeErrors.unprocessable(e.message);
    throw e;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

/** The merge keys of the lists that built-in kinds merge by key (their Go patchMergeKey tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  ports: "containerPort",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  conditions: "type",
  ownerReferences: "uid",
  addresses: "type",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
};
/** Lists of scalars that merge as sets. */
const MERGE_PRIMITIVE_LISTS = new Set(["finalizers"]);

function smpList(field: string, original: unknown, patch: unknown[]): unknown {
  const key = MERGE_KEYS[field];
  if (patch.some((e) => isRecord(e) && e.$patch === "replace")) {
    return patch.filter((e) => !(isRecord(e) && e.$patch === "replace"));
  }
  if (MERGE_PRIMITIVE_LISTS.has(field) && Array.isArray(original)) {
    const out = [...original];
    for (const v of patch) if (!out.some((o) => jsonEqual(o, v))) out.push(v);
    return out;
  }
  if (!key || !Array.isArray(original)) {
    return patch.filter((e) => !(isRecord(e) && e.$patch === "delete"));
  }
  const out = [...original];
  for (const element of patch) {
    if (!isRecord(element)) {
      out.push(element);
      continue;
    }
    const i = out.findIndex((o) => isRecord(o) && jsonEqual(o[key], element[key]));
    if (element.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMergePatch(out[i], element);
    else out.push(strategicMergePatch(undefined, element));
  }
  return out;
}

function orderBy(list: unknown, order: unknown, key: string | undefined): unknown {
  if (!Array.isArray(list) || !Array.isArray(order)) return list;
  const keyOf = (e: unknown) => (key && isRecord(e) ? e[key] : e);
  const rank = (e: unknown) => {
    const i = order.findIndex((o) => jsonEqual(key && isRecord(o) ? o[key] : o, keyOf(e)));
    return i < 0 ? order.length : i;
  };
  return [...list].sort((a, b) => rank(a) - rank(b));
}

/**
 * A strategic merge patch on built-in kinds: lists listed in MERGE_KEYS merge by key; every
 * other list is replaced; directives are honoured and never stored.
 */
export function strategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  if (patch.$patch === "delete") return undefined;
  if (patch.$patch === "replace") {
    return clone(Object.fromEntries(Object.entries(patch).filter(([k]) => k !== "$patch")));
  }
  let out: Record<string, unknown> = isRecord(original) ? { ...original } : {};
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  const orders: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys") continue;
    if (key.startsWith("$setElementOrder/")) {
      orders.push([key.slice("$setElementOrder/".length), value]);
      continue;
    }
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        out[field] = current.filter((v) => !value.some((d) => jsonEqual(d, v)));
      }
      continue;
    }
    if (value === null) delete out[key];
    else if (Array.isArray(value)) out[key] = smpList(key, out[key], value);
    else if (isRecord(value)) {
      const merged = strategicMergePatch(out[key], value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else out[key] = value;
  }
  for (const [field, order] of orders) {
    if (field in out) out[field] = orderBy(out[field], order, MERGE_KEYS[field]);
  }
  return out;
}
