import { NextResponse } from "next/server";
import { apiRoute, parseParam } from "@/server/http/api-route";
import { getPromotion } from "@/server/promotions/queries";
import { promotionNumberSchema } from "@/lib/schemas/promotions";

/**
 * `GET /api/v1/promotions/{number}`: one request with its gates and decisions, so a pipeline can
 * follow the promotion it asked for.
 */
export const GET = apiRoute<{ number: string }>({
  permission: "fleet.read",
  targetType: "promotion",
  handler: async ({ actor, params }) => {
    const p = await getPromotion(actor, parseParam("number", promotionNumberSchema, params.number));
    return NextResponse.json({
      number: p.number,
      status: p.status,
      model: p.model,
      version: p.version,
      tier: p.tier,
      environments: p.environments,
      fix: p.fix,
      justification: p.justification,
      requestedBy: p.requestedByEmail,
      requestedAt: p.requestedAt,
      approvals: p.approvals,
      requiredApprovals: p.requiredApprovals,
      decisions: p.decisions.map((d) => ({
        by: d.approverEmail,
        decision: d.decision,
        comment: d.comment,
        at: d.at,
      })),
      gatesPass: p.gatesPass,
      gatesEvaluatedAt: p.evaluatedAt,
      gates: p.gates,
      blockedReason: p.blockedReason,
      releaseId: p.releaseId,
      rollouts: p.rollouts,
    });
  },
});
