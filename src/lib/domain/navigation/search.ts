/**
 * The command palette's rules: how a query is read, how pages are matched (typo-tolerant), and
 * how the actions on a result are named. The database matches names with trigrams
 * (src/server/navigation/search.ts); these rules are the same everywhere the palette looks.
 */

import type { Permission } from "@/lib/domain/access/policy";
import { ACT_PARAM } from "@/lib/domain/navigation/shortcuts";

export const SEARCH_KINDS = [
  "page",
  "incident",
  "rollout",
  "model",
  "version",
  "promotion",
  "slo",
  "cluster",
  "training",
] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const SEARCH_KIND_LABELS: Record<SearchKind, string> = {
  page: "Pages",
  incident: "Incidents",
  rollout: "Rollouts",
  model: "Models",
  version: "Model versions",
  promotion: "Promotions",
  slo: "SLOs",
  cluster: "Clusters",
  training: "Training jobs",
};

/** An action on a result: it opens the object's page with the action's confirmation showing. */
export interface SearchAction {
  label: string;
  href: string;
  destructive: boolean;
}

export interface SearchResult {
  kind: SearchKind;
  /** unique among the results */
  key: string;
  title: string;
  detail: string;
  href: string;
  actions: SearchAction[];
}

export interface ParsedQuery {
  /** the query as typed, trimmed, spaces collapsed */
  text: string;
  /** "42" or "#42": an incident's or promotion's number */
  number: number | null;
  /** the words that are not a version, for matching names ("" when there are none) */
  name: string;
  /** a word that reads as a version ("3.1", "v2.0.1"), matched as a prefix */
  version: string | null;
}

export const MAX_QUERY_LENGTH = 100;
const VERSION_WORD = /^v?\d+(?:\.[0-9A-Za-z-]+)*$/;

export function parseQuery(raw: string): ParsedQuery {
  const text = raw.trim().replace(/\s+/g, " ").slice(0, MAX_QUERY_LENGTH);
  const whole = /^#?(\d{1,9})$/.exec(text);
  const number = whole ? Number(whole[1]) : null;
  const words = text.split(" ").filter(Boolean);
  let version: string | null = null;
  const names: string[] = [];
  for (const w of words) {
    if (version === null && VERSION_WORD.test(w) && !w.startsWith("#")) {
      version = w.replace(/^v(?=\d)/, "");
    } else names.push(w.replace(/^#/, ""));
  }
  return { text, number, name: names.join(" ").toLowerCase(), version };
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}

/** Typos forgiven in a word of this length: none in short words, one, then two. */
function allowedTypos(length: number): number {
  return length <= 3 ? 0 : length <= 7 ? 1 : 2;
}

/**
 * How well a query matches a label, from 0 (not at all) to 1 (exactly). Every query word must
 * match some word of the label: as a prefix, or with a typo or two in longer words.
 */
export function fuzzyScore(query: string, label: string): number {
  const q = query.toLowerCase().trim();
  const l = label.toLowerCase();
  if (!q) return 0;
  if (l === q) return 1;
  if (l.startsWith(q)) return 0.9;
  if (l.includes(q)) return 0.8;
  const labelWords = l.split(/[\s/_.-]+/).filter(Boolean);
  let total = 0;
  for (const word of q.split(/\s+/)) {
    let best = 0;
    for (const lw of labelWords) {
      if (lw.startsWith(word)) best = Math.max(best, 0.7);
      else {
        const typos = allowedTypos(word.length);
        if (typos === 0) continue;
        // compare with the label word cut to the query word's length: a typo in a prefix counts
        const d = Math.min(
          editDistance(word, lw, typos),
          editDistance(word, lw.slice(0, word.length), typos),
        );
        if (d <= typos) best = Math.max(best, 0.6 - 0.1 * d);
      }
    }
    if (best === 0) return 0;
    total += best;
  }
  return total / q.split(/\s+/).length;
}

export interface PageEntry {
  label: string;
  href: string;
  /** other words people type for it */
  keywords: readonly string[];
}

/** The pages ranked by how well the query matches their label or a keyword. */
export function matchPages(query: string, pages: readonly PageEntry[], limit = 5): PageEntry[] {
  return pages
    .map((p) => ({
      p,
      score: Math.max(
        fuzzyScore(query, p.label),
        ...p.keywords.map((k) => 0.95 * fuzzyScore(query, k)),
      ),
    }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.p.label.localeCompare(b.p.label))
    .slice(0, limit)
    .map((x) => x.p);
}

export const ROLLOUT_PALETTE_COMMANDS = ["pause", "resume", "promote", "abort"] as const;
export type RolloutPaletteCommand = (typeof ROLLOUT_PALETTE_COMMANDS)[number];

const ROLLOUT_VERBS: Record<RolloutPaletteCommand, string> = {
  pause: "Pause",
  resume: "Resume",
  promote: "Promote",
  abort: "Abort",
};

/** "Abort rollout of ranker-xl 3.1.0 in production/us-east-1" */
export function rolloutActionLabel(
  command: RolloutPaletteCommand,
  r: { model: string; version: string; environment: string },
): string {
  return `${ROLLOUT_VERBS[command]} rollout of ${r.model} ${r.version} in ${r.environment}`;
}

export const INCIDENT_PALETTE_STEPS = ["acknowledge", "investigate", "mitigate"] as const;
export type IncidentPaletteStep = (typeof INCIDENT_PALETTE_STEPS)[number];

/** "Acknowledge incident #42", "Mark incident #42 mitigated" */
export function incidentActionLabel(step: IncidentPaletteStep, number: number): string {
  if (step === "acknowledge") return `Acknowledge incident #${number}`;
  return `Mark incident #${number} ${step === "investigate" ? "investigating" : "mitigated"}`;
}

export function actHref(path: string, act: string, hash = ""): string {
  return `${path}?${ACT_PARAM}=${encodeURIComponent(act)}${hash}`;
}

/** Pages the palette opens; `permission` names what a user needs to see the entry. */
export const PALETTE_PAGES: readonly (PageEntry & { permission: Permission })[] = [
  {
    label: "Overview",
    href: "/",
    keywords: ["home", "on-call", "dashboard"],
    permission: "fleet.read",
  },
  {
    label: "Incidents",
    href: "/incidents",
    keywords: ["outages", "pages"],
    permission: "fleet.read",
  },
  {
    label: "Rollouts",
    href: "/rollouts",
    keywords: ["canary", "releases"],
    permission: "fleet.read",
  },
  { label: "Deployments", href: "/deployments", keywords: ["serving"], permission: "fleet.read" },
  {
    label: "Regions",
    href: "/regions",
    keywords: ["traffic", "drain", "failover", "load balancer"],
    permission: "fleet.read",
  },
  { label: "Promotions", href: "/promotions", keywords: ["approvals"], permission: "fleet.read" },
  {
    label: "Models",
    href: "/models",
    keywords: ["registry", "versions"],
    permission: "fleet.read",
  },
  {
    label: "SLOs",
    href: "/slos",
    keywords: ["error budgets", "objectives"],
    permission: "fleet.read",
  },
  {
    label: "SLO review",
    href: "/slos/review",
    keywords: ["quarter", "leadership", "report", "executive summary"],
    permission: "fleet.read",
  },
  {
    label: "Clusters",
    href: "/clusters",
    keywords: ["fleet", "gpus", "regions"],
    permission: "fleet.read",
  },
  {
    label: "Capacity",
    href: "/capacity",
    keywords: ["gpus", "quotas", "placement", "fragmentation", "planning"],
    permission: "fleet.read",
  },
  {
    label: "Training",
    href: "/training",
    keywords: ["jobs", "checkpoints"],
    permission: "fleet.read",
  },
  {
    label: "Audit log",
    href: "/audit",
    keywords: ["history", "who did"],
    permission: "fleet.read",
  },
  {
    label: "Settings",
    href: "/settings",
    keywords: ["time zone", "preferences"],
    permission: "fleet.read",
  },
  {
    label: "Declare an incident",
    href: "/incidents/new",
    keywords: ["new incident", "page on-call"],
    permission: "incident.work",
  },
  {
    label: "Start a rollout",
    href: "/rollouts/new",
    keywords: ["new rollout", "deploy"],
    permission: "rollout.drive",
  },
  {
    label: "Request a promotion",
    href: "/promotions/new",
    keywords: ["new promotion", "release"],
    permission: "promotion.request",
  },
  {
    label: "Release policy",
    href: "/promotions/policy",
    keywords: ["freezes", "release windows"],
    permission: "fleet.read",
  },
  { label: "Users", href: "/admin/users", keywords: ["admin", "roles"], permission: "user.manage" },
  { label: "API tokens", href: "/admin/tokens", keywords: ["admin"], permission: "user.manage" },
  {
    label: "Notifications",
    href: "/admin/notifications",
    keywords: ["admin", "slack", "pagerduty", "webhooks"],
    permission: "user.manage",
  },
  {
    label: "Configuration",
    href: "/admin/config",
    keywords: ["admin", "flightdeck.yaml"],
    permission: "user.manage",
  },
  {
    label: "Chaos",
    href: "/admin/chaos",
    keywords: ["admin", "experiments"],
    permission: "user.manage",
  },
];
