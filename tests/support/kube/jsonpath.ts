/**
 * The JSONPath subset that CRD printer columns use: `.a.b`, `.a[0]`, `.a[*]`, and filters such
 * as `.status.conditions[?(@.type=='Ready')].status` or `[?(@.latestRevision==true)]`.
 */
import { isRecord } from "./types";

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "all" }
  | { kind: "filter"; path: string[]; op: "==" | "!="; value: unknown };

function parseLiteral(text: string): unknown {
  const t = text.trim();
  if (/^'.*'$/.test(t) || /^".*"$/.test(t)) return t.slice(1, -1);
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "null") return null;
  const n = Number(t);
  return Number.isNaN(n) ? t : n;
}

export function parseJsonPath(expression: string): Step[] {
  const steps: Step[] = [];
  let s = expression.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  if (s.startsWith("$")) s = s.slice(1);
  let i = 0;
  while (i < s.length) {
    if (s[i] === ".") {
      let j = i + 1;
      while (j < s.length && s[j] !== "." && s[j] !== "[") j++;
      const name = s.slice(i + 1, j);
      if (name) steps.push({ kind: "field", name });
      i = j;
    } else if (s[i] === "[") {
      const close = s.indexOf("]", s.startsWith("[?(", i) ? s.indexOf(")]", i) : i);
      const inner = s.slice(i + 1, close);
      i = close + 1;
      if (inner === "*") steps.push({ kind: "all" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (inner.startsWith("?(") && inner.endsWith(")")) {
        const m = /^@((?:\.[^.=!]+)+)\s*(==|!=)\s*(.+)$/.exec(inner.slice(2, -1).trim());
        if (m) {
          steps.push({
            kind: "filter",
            path: (m[1] ?? "").split(".").filter(Boolean),
            op: m[2] === "!=" ? "!=" : "==",
            value: parseLiteral(m[3] ?? ""),
          });
        }
      } else if (/^'.*'$/.test(inner) || /^".*"$/.test(inner)) {
        steps.push({ kind: "field", name: inner.slice(1, -1) });
      }
    } else i++;
  }
  return steps;
}

/** Every value the path selects, in document order. */
export function evaluateJsonPath(data: unknown, expression: string): unknown[] {
  let current: unknown[] = [data];
  for (const step of parseJsonPath(expression)) {
    const next: unknown[] = [];
    for (const node of current) {
      if (step.kind === "field") {
        if (isRecord(node) && node[step.name] !== undefined) next.push(node[step.name]);
      } else if (step.kind === "index") {
        if (Array.isArray(node)) {
          const v = node[step.index < 0 ? node.length + step.index : step.index];
          if (v !== undefined) next.push(v);
        }
      } else if (step.kind === "all") {
        if (Array.isArray(node)) next.push(...node);
        else if (isRecord(node)) next.push(...Object.values(node));
      } else {
        const items = Array.isArray(node) ? node : [];
        for (const item of items) {
          let v: unknown = item;
          for (const p of step.path) v = isRecord(v) ? v[p] : undefined;
          const equal = v === step.value || (v !== undefined && String(v) === String(step.value));
          if ((step.op === "==") === equal) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}
