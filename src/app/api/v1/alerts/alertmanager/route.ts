import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/server/http/api-route";
import { alertmanagerWebhookSchema } from "@/lib/domain/incidents/alertmanager";
import { receiveAlertmanagerWebhook } from "@/server/incidents/alertmanager";
import { alertIntake } from "@/lib/telemetry/metrics";

/** Alertmanager notifications are small (a group of alerts); this is ample for max_alerts 0. */
const MAX_BODY_BYTES = 512 * 1024;

/**
 * Alertmanager's webhook receiver (`webhook_configs` with a bearer token holding the
 * `incident.work` scope): firing alerts open or update incidents, resolved ones note it.
 */
export const POST = apiRoute({
  action: "incident.alert",
  permission: "incident.work",
  targetType: "incident",
  handler: async ({ actor, meta, req }) => {
    let payload;
    try {
      payload = alertmanagerWebhookSchema.parse(await jsonBody(req, { maxBytes: MAX_BODY_BYTES }));
    } catch (error) {
      alertIntake.inc({ outcome: "refused" });
      throw error;
    }
    const alerts = await receiveAlertmanagerWebhook(actor, meta, payload);
    alertIntake.inc({ outcome: "accepted" }, payload.alerts.length);
    return NextResponse.json({ alerts });
  },
});
