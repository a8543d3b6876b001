import type { Prisma } from "../../src/generated/prisma/client";
import type { Severity } from "../../src/lib/domain/incidents/lifecycle";
import type { Rng } from "./rng";

/** Every section writes through the one transaction of `seedIfEmpty`. */
export type Tx = Prisma.TransactionClient;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function floorToMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);
}

export function sha(rng: Rng): string {
  return `sha256:${rng.hex(64)}`;
}

/** Sections hand each other ids by natural key (a slug, a name, a region code). */
export function lookup<V>(map: ReadonlyMap<string, V>, key: string, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`unknown ${what} ${key}`);
  return value;
}

/** A stretch of time in which a model served more errors than usual, for its SLI history. */
export interface BadWindow {
  model: string;
  start: number;
  end: number;
  errorRate: number;
}

/** An incident to write; its response times are drawn when it is written unless preset. */
export interface IncidentPlan {
  model: string;
  region: string;
  at: number;
  /** the version whose canary caused it, or "" */
  version: string;
  severity: Severity;
  title: string;
  /** preset times (routine incidents); otherwise drawn when the incident is written */
  response?: { ack: number; mitigated: number; resolved: number; closed: number; summary: string };
  /** what happened, when the response does not say (a failed canary) */
  summary?: string;
  /** what its postmortem names as the contributing factor, and the follow-up it set */
  lessons: { factor: string; followUp: string };
  /** activity around it its timeline shows (a failed canary's rollout events) */
  related?: readonly { at: number; message: string; actor: string | null }[];
}
