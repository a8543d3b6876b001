/**
 * Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`, and `==`, `>`/`<` on integers) and
 * field selectors (`metadata.name=x,status.phase!=Failed`) with the grammar of
 * k8s.io/apimachinery's labels and fields packages.
 */
import { KubeErrors } from "./errors";

export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!" }
  | { key: string; op: ">" | "<"; value: number };

export type LabelSelector = Requirement[];

type Token =
  | { kind: "id"; text: string }
  | { kind: "op"; text: "=" | "==" | "!=" | "!" | ">" | "<" | "(" | ")" | "," }
  | { kind: "end" };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? "";
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === "==" || two === "!=") {
      tokens.push({ kind: "op", text: two });
      i += 2;
      continue;
    }
    if (c === "=" || c === "!" || c === ">" || c === "<" || c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: "op", text: c });
      i++;
      continue;
    }
    let j = i;
    while (j < input.length && !/[\s=!<>(),]/.test(input[j] ?? "")) j++;
    tokens.push({ kind: "id", text: input.slice(i, j) });
    i = j;
  }
  tokens.push({ kind: "end" });
  return tokens;
}

const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, input: string): void {
  const name = key.includes("/") ? key.slice(key.indexOf("/") + 1) : key;
  if (!QUALIFIED_NAME.test(key) || name.length > 63) {
    throw KubeErrors.badRequest(
      `unable to parse requirement: invalid label key ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (in selector ${JSON.stringify(input)})`,
    );
  }
}

function checkValue(value: string, input: string): void {
  if (!LABEL_VALUE.test(value) || value.length > 63) {
    throw KubeErrors.badRequest(
      `unable to parse requirement: invalid label value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (in selector ${JSON.stringify(input)})`,
    );
  }
}

/** Parses a label selector; a malformed one answers 400 as the API server does. */
export function parseLabelSelector(input: string): LabelSelector {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token => tokens[pos] ?? { kind: "end" };
  const next = (): Token => tokens[pos++] ?? { kind: "end" };
  const fail = (what: string): never => {
    throw KubeErrors.badRequest(
      `unable to parse requirement: ${what} (in selector ${JSON.stringify(input)})`,
    );
  };
  const requirements: LabelSelector = [];
  if (peek().kind === "end") return requirements;
  for (;;) {
    let t = next();
    if (t.kind === "op" && t.text === "!") {
      const key = next();
      if (key.kind !== "id")
        fail("found end of input or an operator, expected: identifier after '!'");
      else {
        checkKey(key.text, input);
        requirements.push({ key: key.text, op: "!" });
      }
    } else if (t.kind === "id") {
      const key = t.text;
      checkKey(key, input);
      t = peek();
      if (t.kind === "end" || (t.kind === "op" && t.text === ",")) {
        requirements.push({ key, op: "exists" });
      } else if (t.kind === "op" && (t.text === "=" || t.text === "==" || t.text === "!=")) {
        next();
        const v = peek();
        let value = "";
        if (v.kind === "id") {
          value = v.text;
          next();
        }
        checkValue(value, input);
        requirements.push({ key, op: t.text === "!=" ? "!=" : "=", value });
      } else if (t.kind === "op" && (t.text === ">" || t.text === "<")) {
        next();
        const v = next();
        const n = v.kind === "id" ? Number(v.text) : NaN;
        if (!Number.isInteger(n)) fail(`for '${t.text}' operator, the value must be an integer`);
        requirements.push({ key, op: t.text, value: n });
      } else if (t.kind === "id" && (t.text === "in" || t.text === "notin")) {
        next();
        const open = next();
        if (open.kind !== "op" || open.text !== "(") fail("found something else, expected: '('");
        const values: string[] = [];
        for (;;) {
          const v = next();
          if (v.kind === "op" && v.text === ")") break;
          if (v.kind === "op" && v.text === ",") {
            values.push("");
            continue;
          }
          if (v.kind !== "id") fail("found end of input, expected: ')'");
          else {
            checkValue(v.text, input);
            values.push(v.text);
            const sep = next();
            if (sep.kind === "op" && sep.text === ")") break;
            if (sep.kind !== "op" || sep.text !== ",")
              fail("found something else, expected: ',' or ')'");
          }
        }
        if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`);
        requirements.push({ key, op: t.text, values });
      } else {
        fail(`found '${t.text}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    } else {
      fail("found an operator, expected: !, identifier, or 'end of string'");
    }
    const sep = next();
    if (sep.kind === "end") break;
    if (sep.kind !== "op" || sep.text !== ",") fail("found something else, expected: ','");
  }
  return requirements;
}

export function matchesLabels(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const value = l[r.key];
    switch (r.op) {
      case "=":
        return has && value === r.value;
      case "!=":
        return !has || value !== r.value;
      case "in":
        return has && r.values.includes(value ?? "");
      case "notin":
        return !has || !r.values.includes(value ?? "");
      case "exists":
        return has;
      case "!":
        return !has;
      case ">":
      case "<": {
        if (!has || !/^-?\d+$/.test(value ?? "")) return false;
        const n = Number(value);
        return r.op === ">" ? n > r.value : n < r.value;
      }
    }
  });
}

/** A `matchLabels`/`matchExpressions` selector (as in a Deployment's spec) as requirements. */
export function fromLabelSelectorObject(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): LabelSelector {
  const out: LabelSelector = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    op: "=" as const,
    value,
  }));
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === "In") out.push({ key: e.key, op: "in", values: e.values ?? [] });
    else if (e.operator === "NotIn") out.push({ key: e.key, op: "notin", values: e.values ?? [] });
    else if (e.operator === "Exists") out.push({ key: e.key, op: "exists" });
    else if (e.operator === "DoesNotExist") out.push({ key: e.key, op: "!" });
  }
  return out;
}

export function labelSelectorString(selector: LabelSelector): string {
  return selector
    .map((r) => {
      switch (r.op) {
        case "=":
        case "!=":
          return `${r.key}${r.op}${r.value}`;
        case "in":
        case "notin":
          return `${r.key} ${r.op} (${r.values.join(",")})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
        case ">":
        case "<":
          return `${r.key}${r.op}${r.value}`;
      }
    })
    .join(",");
}

// ---------------------------------------------------------------------------------------------
// Field selectors

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** Splits on an unescaped separator; `\,`, `\=` and `\\` are escapes as in the fields package. */
function splitUnescaped(input: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < input.length; i++) {
    const c = input[i] ?? "";
    if (c === "\\" && i + 1 < input.length) {
      current += c + (input[i + 1] ?? "");
      i++;
    } else if (c === sep) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, "$1");
}

export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === "") return [];
  return splitUnescaped(input, ",").map((part) => {
    const m = /^(.*?)(!=|==|=)(.*)$/.exec(part);
    if (!m) {
      throw KubeErrors.badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    }
    const field = (m[1] ?? "").trim();
    const op = m[2] === "!=" ? "!=" : "=";
    return { field, op, value: unescape(m[3] ?? "") };
  });
}

/**
 * Whether an object passes the field selector; `fields` reads the fields the resource supports.
 * An unsupported field answers 400 `field label not supported: …` like the API server.
 */
export function checkFieldSelector(
  requirements: FieldRequirement[],
  fields: Record<string, unknown>,
): void {
  for (const r of requirements) {
    if (!(r.field in fields)) throw KubeErrors.badRequest(`field label not supported: ${r.field}`);
  }
}

export function matchesFields(
  requirements: FieldRequirement[],
  read: (field: string) => string,
): boolean {
  return requirements.every((r) => (read(r.field) === r.value) === (r.op === "="));
}
