import { type SloSpec } from "@/lib/domain/slos/spec";

export const OPENSLO_API_VERSION = "openslo/v1";

export const FLIGHTDECK_API_VERSION = "flightdeck.dev/v1";

/** Annotations (OpenSLO's place for implementation data) that carry what OpenSLO cannot say. */
export const FLIGHTDECK_ANNOTATIONS = {
  sliKind: "flightdeck.dev/sli-kind",
  threshold: "flightdeck.dev/threshold",
  budgetFraction: "flightdeck.dev/budget-fraction",
} as const;

export interface SloDocumentProblem {
  /** `kind/name`, e.g. `SLO/search-slo`, or `document 3` when a document has no name */
  document: string;
  /** path inside the document, e.g. `spec.objectives[1]` */
  field: string;
  message: string;
}

/** Every problem found in a set of SLO documents, not just the first. */
export class OpenSloError extends Error {
  readonly problems: SloDocumentProblem[];

  constructor(problems: SloDocumentProblem[]) {
    const head =
      problems.length === 1
        ? "1 problem in the SLO documents:"
        : `${problems.length} problems in the SLO documents:`;
    super([head, ...problems.map((p) => `  ${p.document} ${p.field}: ${p.message}`)].join("\n"));
    this.name = "OpenSloError";
    this.problems = problems;
  }
}

export interface SloImportOptions {
  /** owner team for SLOs whose documents (OpenSLO or Flightdeck) name none */
  team?: string;
  /**
   * The instant whose month or quarter sizes a calendar window when a burn-rate threshold is
   * turned into a budget fraction. Without it a month counts 30 days and a quarter 91.
   */
  now?: Date;
}

/**
 * An SLO as a file may define it: perhaps without an owner team, which only storing it needs
 * (rules and conversions do without). Every SloSpec is one.
 */
export type PortableSloSpec = Omit<SloSpec, "team"> & { team?: string };

export type Obj = Record<string, unknown>;

export type Report = (field: string, message: string) => void;

export interface Where {
  document: string;
  field: string;
}

export const isObj = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `spec` + `objectives` → `spec.objectives`; 1 → `[1]`; odd keys → `["flightdeck.dev/x"]`. */
export function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

export class Collector {
  readonly problems: SloDocumentProblem[] = [];

  reporter(document: string): Report {
    return (field, message) => this.problems.push({ document, field, message });
  }
}

/** Reports fields Flightdeck does not read, so nothing in a document is silently dropped. */
export function checkFields(
  obj: Obj,
  path: string,
  allowed: readonly string[],
  report: Report,
  unsupported: Record<string, string> = {},
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    report(
      child(path, key),
      unsupported[key] ?? `unknown field; Flightdeck reads ${allowed.join(", ")} here.`,
    );
  }
}

export function readString(obj: Obj, key: string, path: string, report: Report, required: boolean) {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) report(child(path, key), "is required.");
    return undefined;
  }
  if (typeof v !== "string" || (required && v === "")) {
    report(child(path, key), "must be a non-empty string.");
    return undefined;
  }
  return v;
}

export function readNumber(
  obj: Obj,
  key: string,
  path: string,
  report: Report,
): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    report(child(path, key), "must be a number.");
    return undefined;
  }
  return v;
}

export function readObject(obj: Obj, key: string, path: string, report: Report, required: boolean) {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) report(child(path, key), "is required.");
    return undefined;
  }
  if (!isObj(v)) {
    report(child(path, key), "must be a mapping.");
    return undefined;
  }
  return v;
}

export function readList(
  obj: Obj,
  key: string,
  path: string,
  report: Report,
): unknown[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    report(child(path, key), "must be a list.");
    return undefined;
  }
  return v;
}

/** Ratios given in percent (99.9 / 100) come out as 0.9990000000000001 without this. */
export const clean = (x: number) => Number(x.toPrecision(12));

// ---------------------------------------------------------------------------------------------
// Durations

const DURATION = /^([1-9][0-9]*)([mhdwMQY])$/;

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10080 };

interface Duration {
  count: number;
  unit: string;
}

export function parseDuration(v: unknown): Duration | null {
  const m = typeof v === "string" ? DURATION.exec(v) : null;
  return m ? { count: Number(m[1]), unit: m[2] ?? "" } : null;
}

/** Minutes of a duration in minutes, hours, days or weeks; null for months, quarters, years. */
export function minutesOf(d: Duration): number | null {
  const unit = UNIT_MINUTES[d.unit];
  return unit === undefined ? null : d.count * unit;
}

export function readWindowMinutes(
  obj: Obj,
  key: string,
  path: string,
  report: Report,
): number | null {
  const v = obj[key];
  if (v === undefined || v === null) {
    report(child(path, key), "is required: a duration like 5m, 1h or 3d.");
    return null;
  }
  const d = parseDuration(v);
  const minutes = d && minutesOf(d);
  if (!minutes) {
    report(
      child(path, key),
      `must be a duration in minutes, hours, days or weeks (e.g. 5m, 1h, 3d), got ${JSON.stringify(v)}.`,
    );
    return null;
  }
  return minutes;
}

// ---------------------------------------------------------------------------------------------
// Envelopes

export const METADATA_FIELDS = ["name", "displayName", "labels", "annotations"];

export const OPENSLO_KINDS = [
  "Service",
  "SLI",
  "SLO",
  "AlertPolicy",
  "AlertCondition",
  "DataSource",
  "AlertNotificationTarget",
] as const;

export type OpenSloKind = (typeof OPENSLO_KINDS)[number];

const IGNORED_KINDS: readonly OpenSloKind[] = ["DataSource", "AlertNotificationTarget"];

export interface Envelope {
  kind: string;
  name: string;
  id: string;
  metadata: Obj;
  spec: Obj;
  report: Report;
}

/** `SLO/search-slo`; `SLO (document 3)` or `document 3` when the document cannot say. */
export function documentId(raw: unknown, index: number): string {
  if (!isObj(raw)) return `document ${index + 1}`;
  const kind = typeof raw.kind === "string" && raw.kind ? raw.kind : "document";
  const name = isObj(raw.metadata) ? raw.metadata.name : undefined;
  if (typeof name === "string" && name) return `${kind}/${name}`;
  return kind === "document" ? `document ${index + 1}` : `${kind} (document ${index + 1})`;
}

/** Checks what every document has: apiVersion, kind, metadata (name, labels…), spec. */
export function readEnvelope(
  raw: unknown,
  index: number,
  apiVersion: string,
  kinds: readonly string[],
  c: Collector,
): Envelope | null {
  const id = documentId(raw, index);
  const report = c.reporter(id);
  if (!isObj(raw)) {
    report("(root)", "a document is a mapping with apiVersion, kind, metadata and spec.");
    return null;
  }
  let ok = true;
  checkFields(raw, "", ["apiVersion", "kind", "metadata", "spec"], report);
  if (raw.apiVersion !== apiVersion) {
    report("apiVersion", `must be ${apiVersion}, got ${JSON.stringify(raw.apiVersion)}.`);
    ok = false;
  }
  if (typeof raw.kind !== "string" || !kinds.includes(raw.kind)) {
    report(
      "kind",
      `unknown kind ${JSON.stringify(raw.kind)}; ${apiVersion} documents here are ${kinds.join(", ")}.`,
    );
    ok = false;
  }
  const metadata = readObject(raw, "metadata", "", report, true);
  let name: string | undefined;
  if (metadata) {
    checkFields(metadata, "metadata", METADATA_FIELDS, report);
    name = readString(metadata, "name", "metadata", report, true);
    readString(metadata, "displayName", "metadata", report, false);
    const labels = readObject(metadata, "labels", "metadata", report, false);
    for (const [k, v] of Object.entries(labels ?? {})) {
      const isStrings = Array.isArray(v) && v.every((s) => typeof s === "string");
      if (typeof v !== "string" && !isStrings) {
        report(child("metadata.labels", k), "a label is a string or a list of strings.");
      }
    }
    const annotations = readObject(metadata, "annotations", "metadata", report, false);
    for (const [k, v] of Object.entries(annotations ?? {})) {
      if (typeof v !== "string") report(child("metadata.annotations", k), "must be a string.");
    }
  }
  const optionalSpec = raw.kind === "Service" || IGNORED_KINDS.some((k) => k === raw.kind);
  const spec = readObject(raw, "spec", "", report, !optionalSpec) ?? (optionalSpec ? {} : null);
  if (!ok || !metadata || name === undefined || !spec) return null;
  return { kind: raw.kind as string, name, id, metadata, spec, report };
}

/** A label's single value (labels may be lists); reports a list of several. */
export function labelValue(metadata: Obj, key: string, report: Report): string | undefined {
  const labels = isObj(metadata.labels) ? metadata.labels : {};
  const v = labels[key];
  if (typeof v === "string" && v) return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "string") return v[0];
  if (Array.isArray(v) && v.length > 1) {
    report(child("metadata.labels", key), "Flightdeck reads a single value here.");
  }
  return undefined;
}

/** A Flightdeck annotation, or a label of the same name. */
export function flightdeckValue(
  metadata: Obj | undefined,
  metadataPath: string,
  key: string,
  report: Report,
): { value: string; field: string } | null {
  if (!metadata) return null;
  const annotations = isObj(metadata.annotations) ? metadata.annotations : {};
  const annotation = annotations[key];
  if (typeof annotation === "string") {
    return { value: annotation, field: child(child(metadataPath, "annotations"), key) };
  }
  const label = labelValue(metadata, key, report);
  return label === undefined
    ? null
    : { value: label, field: child(child(metadataPath, "labels"), key) };
}

export function numberValue(
  metadata: Obj | undefined,
  metadataPath: string,
  key: string,
  report: Report,
): { value: number; field: string } | null {
  const found = flightdeckValue(metadata, metadataPath, key, report);
  if (!found) return null;
  const value = found.value.trim() === "" ? NaN : Number(found.value);
  if (!Number.isFinite(value)) {
    report(found.field, `must be a number, got ${JSON.stringify(found.value)}.`);
    return null;
  }
  return { value, field: found.field };
}

// ---------------------------------------------------------------------------------------------
// SLI
