import { clock } from "@/lib/clock";
import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { z } from "zod";
import { auditFilterSchema } from "@/lib/schemas/audit-log";
import { apiPageSchema } from "@/lib/schemas/list-query";
import { auditCsv, listAuditEvents } from "@/server/access/audit-log";

/**
 * The audit log with the same filters as the Audit page: JSON pages by default,
 * or the whole filtered log as CSV with `?format=csv`.
 */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "audit",
  handler: async ({ actor, req }) => {
    const params = Object.fromEntries(req.nextUrl.searchParams);
    const filter = auditFilterSchema.parse(params);
    if (params.format === "csv") {
      const rows = auditCsv(actor, filter);
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await rows.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
      });
      const stamp = clock.now().toISOString().slice(0, 19).replaceAll(":", "");
      return new Response(body, {
        headers: {
          "Content-Type": "text/csv; charset=utf-8",
          "Content-Disposition": `attachment; filename="flightdeck-audit-${stamp}Z.csv"`,
          "Cache-Control": "no-store",
        },
      });
    }
    const { page } = z.object({ page: apiPageSchema }).parse(params);
    return NextResponse.json(await listAuditEvents(actor, { page, filter }));
  },
});
