import { NextResponse, type NextRequest } from "next/server";
import { metaFromHeaders } from "@/server/http/request-meta";
import { apiError, cappedText } from "@/server/http/api-route";
import { AppError, databaseUnavailable } from "@/server/errors";
import { receivePagerDutyWebhook } from "@/server/notifications/pagerduty-inbound";
import { log } from "@/lib/telemetry/log";

/** A PagerDuty webhook event is small; anything larger is not one. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * PagerDuty's V3 webhook subscription posts here (one address per PagerDuty channel). No session
 * or token: the signature under the channel's signing secret authenticates the request.
 */
export async function POST(
  req: NextRequest,
  context: { params: Promise<{ channelId: string }> },
): Promise<Response> {
  const meta = metaFromHeaders(req.headers);
  try {
    const { channelId } = await context.params;
    // read no further than the cap: anyone can call this address
    const raw = await cappedText(req, MAX_BODY_BYTES);
    const result = await receivePagerDutyWebhook(
      channelId,
      raw,
      req.headers.get("x-pagerduty-signature"),
      meta,
    );
    return NextResponse.json(result);
  } catch (error) {
    if (error instanceof AppError) return apiError(error.code, error.message, meta);
    const unavailable = databaseUnavailable(error);
    if (unavailable) return apiError("UNAVAILABLE", unavailable.message, meta);
    log().error({ requestId: meta.requestId, err: error }, "A PagerDuty webhook failed");
    return apiError(
      "INTERNAL",
      "The request failed on the server; nothing is reported as done.",
      meta,
    );
  }
}
