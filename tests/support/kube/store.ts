/**
 * The objects of one test cluster, kept the way etcd and the API server's registry keep them:
 * one resource version counter for the cluster, every write bumping it and recorded in a
 * per-resource history that watches replay and consistent paginated lists read back from, until
 * the history is compacted. Writes go through the API server's rules (names, generation, status
 * subresource, preconditions, CRD schemas), so objects that tests put in look like objects a
 * real cluster returns.
 *
 * Cost: a write is O(1) plus its watchers; a list sorts the keys once per insert/delete batch;
 * a bulk `load` is linear, so 500 nodes and 5,000 pods per cluster load in milliseconds.
 */
import { randomUUID } from "node:crypto";
import { EXPIRED_CONTINUE, KubeErrors, KubeStatusError, type FieldError } from "./errors";
import { mergePatch } from "./patch";
import { builtinResources, customResource, type ResourceType } from "./resources";
import { vendoredCrds, type CustomResourceDefinition } from "./crd";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type LabelSelector,
} from "./selectors";
import {
  clone,
  isRecord,
  jsonEqual,
  type KubeObject,
  type ObjectRef,
  type StoredObject,
} from "./types";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  rv: number;
  type: ChangeType;
  key: string;
  /** the object after the change (for DELETED: its last state, at the deletion's version) */
  object: StoredObject;
  /** the object before the change; null for ADDED */
  prev: StoredObject | null;
}

export interface StoreOptions {
  /** the clock of creationTimestamp (default: the wall clock) */
  now?: () => Date;
  /** the resource version before the first write (default 1000) */
  startResourceVersion?: number;
  /** changes kept per resource for watches and paginated lists (default 100,000) */
  historyLimit?: number;
  /** validate writes of the store API against names and CRD schemas (default true) */
  validate?: boolean;
  /** CRDs served besides the vendored Rollout and InferenceService ones */
  crds?: CustomResourceDefinition[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
  items: StoredObject[];
}

export interface Filter {
  namespace?: string;
  labels: LabelSelector;
  fields: FieldRequirement[];
}

export interface WatchOptions extends Filter {
  /** replay changes after this version; unset or "0": start with the current objects as ADDED */
  resourceVersion?: string;
}

export type WatchListener = (type: ChangeType, object: StoredObject) => void;

/** Per-resource state: objects by key, the sorted keys (rebuilt lazily) and the history. */
class Table {
  readonly objects = new Map<string, StoredObject>();
  sorted: string[] | null = null;
  history: Change[] = [];
  /** every change after this version is in `history` */
  horizon: number;
  readonly watchers = new Set<(change: Change) => void>();
  constructor(
    readonly type: ResourceType,
    horizon: number,
  ) {
    this.horizon = horizon;
  }
  keys(): string[] {
    this.sorted ??= [...this.objects.keys()].sort(compareKeys);
    return this.sorted;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function nameErrors(name: string, format: "subdomain" | "label"): FieldError[] {
  if (format === "label") {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return [
        {
          type: "Invalid",
          field: "metadata.name",
          value: name,
          detail:
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        },
      ];
    }
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [
      {
        type: "Invalid",
        field: "metadata.name",
        value: name,
        detail:
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ];
  }
  return [];
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start })).toString("base64url");
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (
      isRecord(parsed) &&
      parsed.v === "meta.k8s.io/v1" &&
      typeof parsed.rv === "number" &&
      typeof parsed.start === "string"
    ) {
      return { v: parsed.v, rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through
  }
  throw KubeErrors.badRequest(
    `continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`,
  );
}

/** What the write came from: the HTTP API (every rule) or a test's store call (trusted). */
export interface WriteContext {
  /** a test's own write: keeps the status it is given, no precondition */
  trusted: boolean;
  /** validate names and schemas */
  validate: boolean;
  /** pruned unknown fields, for the fieldValidation answer */
  pruned?: string[];
  /** fieldValidation=Strict: an unknown field answers 400 instead of being dropped */
  strict?: boolean;
}

export class KubeStore {
  private rv: number;
  private readonly tables = new Map<string, Table>();
  private readonly byResource = new Map<string, ResourceType>();
  private readonly now: () => Date;
  private readonly historyLimit: number;
  private readonly validateWrites: boolean;
  /** the API groups in the order discovery lists them */
  readonly types: ResourceType[];

  constructor(options: StoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.rv = options.startResourceVersion ?? 1000;
    this.historyLimit = options.historyLimit ?? 100_000;
    this.validateWrites = options.validate ?? true;
    this.types = [
      ...builtinResources(),
      ...[...vendoredCrds(), ...(options.crds ?? [])].map(customResource),
    ];
    for (const t of this.types) {
      this.tables.set(`${t.apiVersion}/${t.kind}`, new Table(t, this.rv));
      this.byResource.set(`${t.group}/${t.resource}`, t);
    }
  }

  /** The cluster's current resource version (the last write's). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  // -------------------------------------------------------------------------------------------
  // Looking up kinds

  typeOf(apiVersion: string, kind: string): ResourceType {
    const table = this.tables.get(`${apiVersion}/${kind}`);
    if (!table) throw new Error(`the test API server does not serve ${kind} in ${apiVersion}`);
    return table.type;
  }

  /** The resource a URL names (`pods` in the core group, `rollouts` in argoproj.io). */
  resourceOf(group: string, resource: string): ResourceType | undefined {
    return this.byResource.get(`${group}/${resource}`);
  }

  private table(type: ResourceType): Table {
    const table = this.tables.get(`${type.apiVersion}/${type.kind}`);
    if (!table) throw new Error(`no table for ${type.kind}`);
    return table;
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  getObject(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): StoredObject | undefined {
    return this.table(type).objects.get(keyOf(type.namespaced ? namespace : undefined, name));
  }

  matches(type: ResourceType, object: StoredObject, filter: Filter): boolean {
    if (filter.namespace && object.metadata.namespace !== filter.namespace) return false;
    if (filter.labels.length && !matchesLabels(filter.labels, object.metadata.labels)) return false;
    if (filter.fields.length) {
      const read = (field: string): string => {
        if (field === "metadata.name") return object.metadata.name;
        if (field === "metadata.namespace") return object.metadata.namespace ?? "";
        return type.fields[field]?.(object) ?? "";
      };
      if (!matchesFields(filter.fields, read)) return false;
    }
    return true;
  }

  /** Parses selectors, answering 400 for malformed ones or unsupported fields. */
  filterOf(
    type: ResourceType,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): Filter {
    const fields = parseFieldSelector(options.fieldSelector ?? "");
    for (const f of fields) {
      if (
        f.field !== "metadata.name" &&
        f.field !== "metadata.namespace" &&
        !(f.field in type.fields)
      ) {
        throw KubeErrors.badRequest(`field label not supported: ${f.field}`);
      }
    }
    return {
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: parseLabelSelector(options.labelSelector ?? ""),
      fields,
    };
  }

  /**
   * A list as the API server answers it: consistent at one resource version, in key order,
   * paginated with an opaque continue token that expires (410) once the history it needs is
   * compacted.
   */
  listObjects(type: ResourceType, options: ListOptions): ListResult {
    const table = this.table(type);
    const filter = this.filterOf(type, options);
    let snapshot = this.rv;
    let start = "";
    if (options.continue) {
      if (options.resourceVersion) {
        throw KubeErrors.badRequest(
          "specifying resource version is not allowed when using continue",
        );
      }
      const token = decodeContinue(options.continue);
      start = token.start;
      if (token.rv > 0) {
        if (token.rv < table.horizon) {
          throw KubeErrors.expired(EXPIRED_CONTINUE, encodeContinue(0, token.start));
        }
        snapshot = token.rv;
      }
    } else if (options.resourceVersionMatch === "Exact" && options.resourceVersion) {
      const requested = Number(options.resourceVersion);
      if (!Number.isInteger(requested)) {
        throw KubeErrors.badRequest(`invalid resource version "${options.resourceVersion}"`);
      }
      if (requested < table.horizon) {
        throw KubeErrors.expired("The resourceVersion for the provided list is too old.");
      }
      snapshot = Math.min(requested, this.rv);
    }
    const { keys, get } = this.stateAt(table, snapshot);
    let first = 0;
    if (start) {
      // binary search for the first key >= start
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareKeys(keys[mid] ?? "", start) < 0) lo = mid + 1;
        else hi = mid;
      }
      first = lo;
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: StoredObject[] = [];
    let lastKey = "";
    let remaining = 0;
    const prefix = filter.namespace && type.namespaced ? `${filter.namespace}/` : "";
    for (let i = first; i < keys.length; i++) {
      const key = keys[i] ?? "";
      if (prefix && !key.startsWith(prefix)) continue;
      const object = get(key);
      if (!object || !this.matches(type, object, filter)) continue;
      if (items.length < limit) {
        items.push(object);
        lastKey = key;
      } else remaining++;
    }
    const result: ListResult = { resourceVersion: String(snapshot), items };
    if (remaining > 0) {
      result.continue = encodeContinue(snapshot, `${lastKey}\u0000`);
      if (filter.labels.length === 0 && filter.fields.length === 0)
        result.remainingItemCount = remaining;
    }
    return result;
  }

  /** The objects of a table as they were at `rv` (undoing the changes after it). */
  private stateAt(
    table: Table,
    rv: number,
  ): { keys: string[]; get: (key: string) => StoredObject | undefined } {
    if (rv >= this.rv) return { keys: table.keys(), get: (k) => table.objects.get(k) };
    const before = new Map<string, StoredObject | null>();
    for (const change of table.history) {
      if (change.rv <= rv || before.has(change.key)) continue;
      before.set(change.key, change.prev);
    }
    if (before.size === 0) return { keys: table.keys(), get: (k) => table.objects.get(k) };
    const extra = [...before.keys()].filter((k) => !table.objects.has(k));
    const keys = extra.length ? [...table.keys(), ...extra].sort(compareKeys) : table.keys();
    return {
      keys,
      get: (k) => {
        const old = before.get(k);
        return old === undefined ? table.objects.get(k) : (old ?? undefined);
      },
    };
  }

  /**
   * Watches a resource: replays the changes after `resourceVersion` (or sends the current
   * objects as ADDED when it is unset or "0"), then every change as it happens, filtered like
   * the API server's watch cache (an object leaving the selection is DELETED, one entering it
   * ADDED). A version older than the history answers 410 Expired. Returns the unsubscribe.
   */
  watch(type: ResourceType, options: WatchOptions, listener: WatchListener): () => void {
    const table = this.table(type);
    const deliver = (change: Change) => {
      const now = this.matches(type, change.object, options);
      const before = change.prev !== null && this.matches(type, change.prev, options);
      if (change.type === "ADDED") {
        if (now) listener("ADDED", change.object);
      } else if (change.type === "DELETED") {
        if (before) listener("DELETED", change.object);
      } else if (now && before) listener("MODIFIED", change.object);
      else if (now) listener("ADDED", change.object);
      else if (before) {
        const prev = change.prev as StoredObject;
        listener("DELETED", {
          ...prev,
          metadata: { ...prev.metadata, resourceVersion: String(change.rv) },
        });
      }
    };
    const rv = options.resourceVersion;
    if (rv === undefined || rv === "" || rv === "0") {
      const result = this.listObjects(type, {
        ...(options.namespace ? { namespace: options.namespace } : {}),
      });
      for (const object of result.items) {
        if (this.matches(type, object, options)) listener("ADDED", object);
      }
    } else {
      const from = Number(rv);
      if (!Number.isInteger(from) || from < 0) {
        throw KubeErrors.badRequest(`invalid resource version "${rv}"`);
      }
      if (from < table.horizon) {
        throw KubeErrors.expired(`too old resource version: ${from} (${table.horizon + 1})`);
      }
      for (const change of table.history) if (change.rv > from) deliver(change);
    }
    table.watchers.add(deliver);
    return () => {
      table.watchers.delete(deliver);
    };
  }

  watcherCount(type?: ResourceType): number {
    if (type) return this.table(type).watchers.size;
    let n = 0;
    for (const t of this.tables.values()) n += t.watchers.size;
    return n;
  }

  /**
   * Forgets the history: watches and continue tokens from any version handed out so far answer
   * 410 Gone. Like etcd, history can only be compacted up to a revision, so the resource version
   * first moves on by one, as the writes a live cluster makes all the time (leases, events)
   * would; a list after compact() gets a version that watches and continues from.
   */
  compact(): void {
    this.rv += 1;
    for (const table of this.tables.values()) {
      table.history = [];
      table.horizon = this.rv;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  private commit(
    table: Table,
    key: string,
    type: ChangeType,
    next: StoredObject,
    prev: StoredObject | null,
  ): void {
    this.rv += 1;
    next.metadata.resourceVersion = String(this.rv);
    if (type === "DELETED") {
      table.objects.delete(key);
      table.sorted = null;
    } else {
      if (!table.objects.has(key)) table.sorted = null;
      table.objects.set(key, next);
    }
    const change: Change = { rv: this.rv, type, key, object: next, prev };
    table.history.push(change);
    if (table.history.length > this.historyLimit) {
      const drop = Math.ceil(table.history.length / 2);
      table.horizon = table.history[drop - 1]?.rv ?? table.horizon;
      table.history = table.history.slice(drop);
    }
    for (const watcher of table.watchers) watcher(change);
  }

  private admit(type: ResourceType, object: StoredObject, ctx: WriteContext): void {
    if (!ctx.validate) return;
    const errors = nameErrors(object.metadata.name, type.nameFormat);
    if (type.schema) {
      const result = type.schema.admit(object);
      errors.push(...result.errors);
      ctx.pruned?.push(...result.pruned);
      if (ctx.strict && result.pruned.length) {
        throw KubeErrors.badRequest(
          `strict decoding error: ${result.pruned.map((p) => `unknown field ${JSON.stringify(p)}`).join(", ")}`,
        );
      }
    }
    if (errors.length)
      throw KubeErrors.invalid(type.kind, type.group, object.metadata.name, errors);
  }

  /** Creates an object; `object` becomes the store's (callers pass a copy). */
  create(type: ResourceType, object: KubeObject, ctx: WriteContext): StoredObject {
    const table = this.table(type);
    const metadata = object.metadata;
    if (!metadata.name && metadata.generateName) {
      metadata.name = `${metadata.generateName}${randomSuffix()}`;
    }
    const name = metadata.name ?? "";
    if (!name) {
      throw KubeErrors.invalid(type.kind, type.group, "", [
        { type: "Required", field: "metadata.name", detail: "name or generateName is required" },
      ]);
    }
    if (type.namespaced && !metadata.namespace) metadata.namespace = "default";
    if (!type.namespaced) delete metadata.namespace;
    const key = keyOf(metadata.namespace, name);
    if (!ctx.trusted) {
      if (object.status !== undefined) {
        if (type.statusOnCreate === "drop") delete object.status;
        else if (typeof type.statusOnCreate === "function")
          object.status = type.statusOnCreate(object);
      } else if (typeof type.statusOnCreate === "function")
        object.status = type.statusOnCreate(object);
    }
    const stored = object as StoredObject;
    stored.apiVersion = type.apiVersion;
    stored.kind = type.kind;
    stored.metadata.uid = ctx.trusted && metadata.uid ? metadata.uid : randomUUID();
    stored.metadata.creationTimestamp =
      ctx.trusted && metadata.creationTimestamp
        ? metadata.creationTimestamp
        : timestamp(this.now());
    if (!type.generation) delete stored.metadata.generation;
    else if (!ctx.trusted || typeof metadata.generation !== "number")
      stored.metadata.generation = 1;
    stored.metadata.resourceVersion = "";
    this.admit(type, stored, ctx);
    if (table.objects.has(key)) throw KubeErrors.alreadyExists(type, name);
    this.commit(table, key, "ADDED", stored, null);
    return stored;
  }

  /**
   * Replaces an object (PUT, PATCH, or a test's write). With `subresource: "status"` only the
   * status changes; otherwise kinds with a status subresource keep the stored status (unless
   * the write is a test's own). A stale `metadata.resourceVersion` answers 409 Conflict; a
   * missing one is an unconditional update, refused (422) for custom resources like the real
   * server. A write that changes nothing is not a change: no new version, no event.
   */
  update(
    type: ResourceType,
    next: KubeObject,
    ctx: WriteContext & { subresource?: "status" },
  ): StoredObject {
    const table = this.table(type);
    const name = next.metadata.name ?? "";
    const namespace = type.namespaced ? next.metadata.namespace || "default" : undefined;
    const key = keyOf(namespace, name);
    const current = table.objects.get(key);
    if (!current) throw KubeErrors.notFound(type, name);
    if (!ctx.trusted) {
      const rv = next.metadata.resourceVersion;
      if (rv === undefined || rv === "") {
        if (type.custom) {
          throw KubeErrors.invalid(type.kind, type.group, name, [
            {
              type: "Invalid",
              field: "metadata.resourceVersion",
              value: "0x0",
              detail: "must be specified for an update",
            },
          ]);
        }
      } else if (!/^\d+$/.test(rv)) {
        throw KubeErrors.badRequest(`invalid resource version "${rv}"`);
      } else if (rv !== current.metadata.resourceVersion) {
        throw KubeErrors.conflict(type, name);
      }
      if (next.metadata.uid && next.metadata.uid !== current.metadata.uid) {
        throw KubeErrors.conflict(
          type,
          name,
          `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid}`,
        );
      }
    }
    let stored: StoredObject;
    if (ctx.subresource === "status") {
      stored = clone(current);
      if (next.status === undefined) delete stored.status;
      else stored.status = next.status;
    } else {
      stored = next as StoredObject;
      stored.apiVersion = type.apiVersion;
      stored.kind = type.kind;
      if (type.namespaced) stored.metadata.namespace = namespace;
      else delete stored.metadata.namespace;
      if (type.statusSubresource && !ctx.trusted) {
        if (current.status === undefined) delete stored.status;
        else stored.status = clone(current.status);
      }
      stored.metadata.uid = current.metadata.uid;
      stored.metadata.creationTimestamp = current.metadata.creationTimestamp;
      if (type.generation) {
        const generation = current.metadata.generation ?? 1;
        const given = stored.metadata.generation;
        stored.metadata.generation =
          ctx.trusted && typeof given === "number" && given !== generation
            ? given
            : specChanged(current, stored)
              ? generation + 1
              : generation;
      } else delete stored.metadata.generation;
    }
    stored.metadata.resourceVersion = current.metadata.resourceVersion;
    this.admit(type, stored, ctx);
    if (jsonEqual(stored, current)) return current;
    this.commit(table, key, "MODIFIED", stored, current);
    return stored;
  }

  /** Deletes an object (a namespace takes its objects with it). */
  remove(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    preconditions: { resourceVersion?: string; uid?: string } = {},
  ): StoredObject {
    const table = this.table(type);
    const key = keyOf(type.namespaced ? namespace || "default" : undefined, name);
    const current = table.objects.get(key);
    if (!current) throw KubeErrors.notFound(type, name);
    if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
      throw KubeErrors.conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (
      preconditions.resourceVersion &&
      preconditions.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw KubeErrors.conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    if (type.kind === "Namespace" && type.group === "") {
      for (const other of this.tables.values()) {
        if (!other.type.namespaced) continue;
        for (const [k, object] of [...other.objects]) {
          if (object.metadata.namespace === name) {
            this.commit(
              other,
              k,
              "DELETED",
              { ...object, metadata: { ...object.metadata } },
              object,
            );
          }
        }
      }
    }
    const last: StoredObject = { ...current, metadata: { ...current.metadata } };
    this.commit(table, key, "DELETED", last, current);
    return last;
  }

  // -------------------------------------------------------------------------------------------
  // The store API for tests: objects as given (status included), no preconditions

  private typeFor(object: { apiVersion?: string; kind?: string }): ResourceType {
    if (!object.apiVersion || !object.kind) throw new Error("the object needs apiVersion and kind");
    return this.typeOf(object.apiVersion, object.kind);
  }

  private ctx(): WriteContext {
    return { trusted: true, validate: this.validateWrites };
  }

  /**
   * Creates or replaces an object as given, status included (what a controller would have
   * written), bumping the resource version and telling watchers. Returns the stored copy.
   */
  apply(object: KubeObject): StoredObject {
    const type = this.typeFor(object);
    const copy = clone(object);
    const existing = this.getObject(
      type,
      copy.metadata.namespace || "default",
      copy.metadata.name ?? "",
    );
    const stored = existing
      ? this.update(type, copy, this.ctx())
      : this.create(type, copy, this.ctx());
    return clone(stored);
  }

  /** The same as apply. */
  put(object: KubeObject): StoredObject {
    return this.apply(object);
  }

  /** Merge-patches an object (any field, status included). */
  patch(ref: ObjectRef, patch: Record<string, unknown>): StoredObject {
    const type = this.typeFor(ref);
    const current = this.getObject(type, ref.namespace, ref.name);
    if (!current) throw KubeErrors.notFound(type, ref.name);
    const next = mergePatch(clone(current), patch) as KubeObject;
    return clone(this.update(type, next, this.ctx()));
  }

  /**
   * Changes an object's status, as its controller does: a merge patch of the status, or a
   * function of the current status returning the new one.
   */
  patchStatus(
    ref: ObjectRef,
    status: Record<string, unknown> | ((current: Record<string, unknown>) => unknown),
  ): StoredObject {
    const type = this.typeFor(ref);
    const current = this.getObject(type, ref.namespace, ref.name);
    if (!current) throw KubeErrors.notFound(type, ref.name);
    const before = isRecord(current.status) ? clone(current.status) : {};
    const after = typeof status === "function" ? status(before) : mergePatch(before, status);
    const next = clone(current);
    next.status = after;
    return clone(this.update(type, next, { ...this.ctx(), subresource: "status" }));
  }

  /** Deletes an object; undefined when there was none. */
  delete(ref: ObjectRef): StoredObject | undefined {
    const type = this.typeFor(ref);
    if (!this.getObject(type, ref.namespace, ref.name)) return undefined;
    return clone(this.remove(type, ref.namespace, ref.name));
  }

  /** A copy of one object, or undefined. */
  get(ref: ObjectRef): StoredObject | undefined {
    const type = this.typeFor(ref);
    const object = this.getObject(type, ref.namespace, ref.name);
    return object ? clone(object) : undefined;
  }

  /** Copies of the objects of a kind, in the API server's order, optionally filtered. */
  list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): StoredObject[] {
    const type = this.typeOf(apiVersion, kind);
    return this.listObjects(type, options).items.map(clone);
  }

  /**
   * Loads many objects at once (a scale test's fleet): each is created, or replaced when it
   * exists. The objects are taken over, not copied: do not change them afterwards.
   */
  load(objects: Iterable<KubeObject>): void {
    for (const object of objects) {
      const type = this.typeFor(object);
      const existing = this.getObject(
        type,
        object.metadata.namespace || "default",
        object.metadata.name ?? "",
      );
      if (existing) this.update(type, object, this.ctx());
      else this.create(type, object, this.ctx());
    }
  }
}

/** True when anything but metadata and status differs (what bumps metadata.generation). */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) =>
    Object.fromEntries(
      Object.entries(o).filter(
        ([k]) => k !== "metadata" && k !== "status" && k !== "apiVersion" && k !== "kind",
      ),
    );
  return !jsonEqual(strip(a), strip(b));
}

const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

function randomSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++)
    s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}

export { KubeStatusError };
