import "server-only";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { NUL_MESSAGE, nulPath } from "@/lib/schemas/nul";
import type { Permission } from "@/lib/domain/access/policy";
import type { ActionResult } from "@/lib/schemas/result";
import { fieldErrors } from "@/lib/schemas/errors";
import { getActor, type Actor } from "@/server/auth/session";
import { AppError, databaseUnavailable } from "@/server/errors";
import { withDatabasePriority } from "@/lib/db/priority";
import { assertAllowed } from "@/server/access/authorize";
import { recordDenial } from "@/server/access/audit-log";
import type { RequestMeta } from "@/server/http/request-meta";
import { currentRequestMeta } from "@/server/http/request-meta";
import { log } from "@/lib/telemetry/log";
import { serverActionDuration } from "@/lib/telemetry/metrics";

export interface ActionDefinition<S extends z.ZodType, T> {
  /** the audit action name, e.g. "user.update" */
  name: string;
  permission: Permission;
  input: S;
  /** what the action touches, for the audit record */
  target: (input: z.output<S>) => { type: string; id?: string | null };
  run: (ctx: { actor: Actor; meta: RequestMeta; input: z.output<S> }) => Promise<T>;
  /** paths whose cached render changes */
  revalidate?: string[];
}

export type ServerAction<I, T> = ((input: I) => Promise<ActionResult<T>>) & {
  actionName: string;
  permission: Permission;
};

function invalidInput<T>(error: z.ZodError): ActionResult<T> {
  const fields = fieldErrors(error);
  return {
    ok: false,
    error: { code: "INVALID_INPUT", message: Object.values(fields)[0] ?? "Invalid input.", fields },
  };
}

/**
 * The one chain every server action goes through: a server action is a public endpoint, so
 * it authenticates, validates, authorizes, runs one service (which re-checks), and maps
 * errors to safe messages. Refusals are audited; allowed changes are audited by the service
 * in the same transaction as the change.
 */
export function defineAction<S extends z.ZodType, T>(
  def: ActionDefinition<S, T>,
): ServerAction<z.input<S>, T> {
  const action = async (raw: z.input<S>): Promise<ActionResult<T>> => {
    const meta = await currentRequestMeta();
    const actor = await getActor();
    const parsed = def.input.safeParse(raw);
    const target = parsed.success
      ? def.target(parsed.data)
      : { type: def.name.split(".")[0] ?? "unknown" };
    const deny = async (
      code: "UNAUTHENTICATED" | "FORBIDDEN",
      message: string,
    ): Promise<ActionResult<T>> => {
      await recordDenial(actor, meta, {
        action: def.name,
        targetType: target.type,
        targetId: target.id ?? null,
        reason: message,
      });
      return { ok: false, error: { code, message } };
    };

    if (!actor) return deny("UNAUTHENTICATED", "Sign in to continue.");
    try {
      assertAllowed(actor, def.permission);
    } catch (error) {
      if (error instanceof AppError && error.code === "FORBIDDEN")
        return deny("FORBIDDEN", error.message);
      throw error;
    }
    if (!parsed.success) return invalidInput(parsed.error);
    // PostgreSQL text cannot hold NUL: refused here, naming the field, rather than failing the query
    const nul = nulPath(raw);
    if (nul) {
      return invalidInput(
        new z.ZodError([{ code: "custom", path: nul, message: NUL_MESSAGE, input: null }]),
      );
    }
    try {
      const data = await def.run({ actor, meta, input: parsed.data });
      for (const path of def.revalidate ?? []) revalidatePath(path);
      return { ok: true, data };
    } catch (error) {
      if (error instanceof AppError) {
        if (error.code === "FORBIDDEN" || error.code === "UNAUTHENTICATED") {
          return deny(error.code, error.message);
        }
        return { ok: false, error: { code: error.code, message: error.message } };
      }
      if (error instanceof z.ZodError) return invalidInput(error);
      const unavailable = databaseUnavailable(error);
      if (unavailable) {
        log().warn(
          { action: def.name, requestId: meta.requestId, err: error },
          "A server action could not reach the database in time",
        );
        return { ok: false, error: { code: unavailable.code, message: unavailable.message } };
      }
      log().error(
        { action: def.name, requestId: meta.requestId, err: error },
        "A server action failed with an internal error",
      );
      return {
        ok: false,
        error: {
          code: "INTERNAL",
          message: `The change could not be completed. Try again; reference ${meta.requestId}.`,
        },
      };
    }
  };
  const measured = async (raw: z.input<S>): Promise<ActionResult<T>> => {
    const started = performance.now();
    // An action that throws (its session or audit could not be read) counts as "exception".
    let outcome = "exception";
    try {
      let result: ActionResult<T>;
      try {
        // A person's change goes ahead of page reads for database connections.
        result = await withDatabasePriority(() => action(raw));
      } catch (error) {
        // The session or the refusal's audit row could not be read or written because the
        // database is busy or restarting: "try again", not an internal error.
        const unavailable = databaseUnavailable(error);
        if (!unavailable) throw error;
        log().warn(
          { action: def.name, err: error },
          "A server action could not reach the database in time",
        );
        result = { ok: false, error: { code: unavailable.code, message: unavailable.message } };
      }
      outcome = result.ok ? "ok" : result.error.code;
      return result;
    } finally {
      serverActionDuration.observe(
        { action: def.name, outcome },
        (performance.now() - started) / 1000,
      );
    }
  };
  return Object.assign(measured, { actionName: def.name, permission: def.permission });
}
