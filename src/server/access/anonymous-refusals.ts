import "server-only";
import { log } from "@/lib/telemetry/log";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { RequestMeta } from "@/server/http/request-meta";
import {
  ANONYMOUS_REFUSAL_LIMITS,
  anonymousRefusalDecision,
  droppedRefusalsSummary,
  minuteStart,
  type AnonymousRefusalLimits,
} from "@/lib/domain/access/audit-sampling";

export interface RefusalEvent {
  action: string;
  targetType: string;
  targetId?: string | null;
  reason: string;
}

/** Distinct addresses counted one by one in a minute; beyond them, one "other" count. */
const MAX_TRACKED_ADDRESSES = 1_000;
const OTHER = "other";

/** The anonymous refusal rows of one minute, as the limits count them. */
const anonymousIn = (minute: number) => ({
  actorId: null,
  actorEmail: null,
  actorRole: null,
  outcome: "denied" as const,
  at: { gte: new Date(minute), lt: new Date(minute + 60_000) },
});

/**
 * Writes anonymous refusals to the audit log within the limits of lib/domain/audit-sampling.
 * The rows already written are counted in the database under one advisory lock, so the limits
 * hold across replicas. What is dropped is counted in this process and written as one summary
 * row per minute shortly after the minute ends: each replica writes its own, and counts not yet
 * written when a process stops are lost.
 */
export class AnonymousRefusals {
  private readonly dropped = new Map<number, Map<string, number>>();
  /** minutes (and addresses) known to be full: dropped without asking the database again */
  private readonly full = new Map<number, { all: boolean; addresses: Set<string> }>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly limits: AnonymousRefusalLimits;
  private readonly now: () => Date;
  private readonly autoFlush: boolean;

  constructor(
    options: { limits?: AnonymousRefusalLimits; now?: () => Date; autoFlush?: boolean } = {},
  ) {
    this.limits = options.limits ?? ANONYMOUS_REFUSAL_LIMITS;
    this.now = options.now ?? (() => clock.now());
    this.autoFlush = options.autoFlush ?? true;
  }

  async record(meta: RequestMeta, event: RefusalEvent): Promise<"written" | "dropped"> {
    const at = this.now();
    const minute = minuteStart(at);
    await this.flush(at);
    const address = meta.clientIp ?? "unknown";
    const known = this.full.get(minute);
    if (known && (known.all || known.addresses.has(address))) return this.drop(minute, address);

    const decision = await db().$transaction(async (tx) => {
      await advisoryLock(tx, LOCKS.anonymousRefusals());
      const all = await tx.auditEvent.count({ where: anonymousIn(minute) });
      const sameAddress = await tx.auditEvent.count({
        where: { ...anonymousIn(minute), clientIp: meta.clientIp },
      });
      const d = anonymousRefusalDecision({ all, sameAddress }, this.limits);
      if (d === "write") {
        await appendAudit(tx, {
          at,
          action: event.action,
          targetType: event.targetType,
          targetId: event.targetId ?? null,
          outcome: "denied",
          reason: event.reason,
          requestId: meta.requestId,
          clientIp: meta.clientIp,
        });
      }
      return d;
    });
    if (decision === "write") return "written";
    const entry = this.full.get(minute) ?? { all: false, addresses: new Set<string>() };
    if (decision === "drop_all") entry.all = true;
    else entry.addresses.add(address);
    this.full.set(minute, entry);
    return this.drop(minute, address);
  }

  /** Writes the summary row of every minute that ended by `now` and had refusals dropped. */
  async flush(now: Date = this.now()): Promise<number> {
    const current = minuteStart(now);
    for (const minute of this.full.keys()) if (minute < current) this.full.delete(minute);
    let written = 0;
    for (const [minute, byAddress] of [...this.dropped]) {
      if (minute >= current) continue;
      // Taken out before writing, so a concurrent flush cannot write it twice.
      this.dropped.delete(minute);
      const summary = droppedRefusalsSummary(minute, byAddress, this.limits);
      await appendAudit(db(), {
        actorRole: "system",
        action: "audit.anonymous_refusals_dropped",
        targetType: "audit",
        outcome: "denied",
        reason: summary.reason,
        after: summary.after,
      });
      written += 1;
    }
    return written;
  }

  private drop(minute: number, address: string): "dropped" {
    const byAddress = this.dropped.get(minute) ?? new Map<string, number>();
    const key = byAddress.has(address) || byAddress.size < MAX_TRACKED_ADDRESSES ? address : OTHER;
    byAddress.set(key, (byAddress.get(key) ?? 0) + 1);
    this.dropped.set(minute, byAddress);
    if (this.autoFlush && !this.timer) {
      // Just after the minute ends, whether or not another refusal arrives.
      const delay = Math.max(0, minute + 61_000 - clock.ms());
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush(clock.now()).catch((error: unknown) => {
          log().error(
            { err: error },
            "Writing the dropped anonymous refusals to the audit log failed",
          );
        });
      }, delay);
      this.timer.unref?.();
    }
    return "dropped";
  }
}

const g = globalThis as unknown as { flightdeckAnonymousRefusals?: AnonymousRefusals };

/** This process's sampler (on globalThis, so module reloads in development share it). */
export function anonymousRefusals(): AnonymousRefusals {
  g.flightdeckAnonymousRefusals ??= new AnonymousRefusals();
  return g.flightdeckAnonymousRefusals;
}
