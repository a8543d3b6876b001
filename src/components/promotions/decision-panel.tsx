"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { DecidePromotionInput } from "@/lib/schemas/promotions";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";

const AREA =
  "min-h-20 w-full rounded-md border bg-background px-3 py-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

/**
 * Approve or reject, with a comment (required to reject). The last approval starts the
 * release, so the confirmation says so. Carries the version the approver saw: if the request
 * changed meanwhile the server refuses with a conflict, shown here.
 */
export function DecisionPanel({
  requestId,
  version,
  number,
  lastApproval,
  gatesPass,
  targets,
  decide,
}: {
  requestId: string;
  version: number;
  number: number;
  lastApproval: boolean;
  gatesPass: boolean;
  targets: string;
  decide: (
    input: DecidePromotionInput,
  ) => Promise<ActionResult<{ status: string; blockedReason: string | null }>>;
}) {
  const router = useRouter();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const submit = (decision: "approve" | "reject") => {
    if (decision === "reject" && comment.trim().length < 5) {
      setError("Say why you reject it (at least 5 characters).");
      return;
    }
    const question =
      decision === "reject"
        ? `Reject request #${number}? It cannot be approved afterwards.`
        : lastApproval
          ? gatesPass
            ? `Approve request #${number}? Yours is the last approval needed: the rollout to ${targets} starts now.`
            : `Approve request #${number}? Yours is the last approval needed, but a gate fails: it will wait, approved, until the gates pass.`
          : `Approve request #${number}?`;
    if (!window.confirm(question)) return;
    startTransition(async () => {
      const r = await decide({ requestId, version, decision, comment });
      if (r.ok) {
        setError(null);
        setNotice(
          r.data.status === "started"
            ? "Approved: the rollout started."
            : r.data.status === "approved" && r.data.blockedReason
              ? `Approved, but not started: ${r.data.blockedReason}`
              : decision === "reject"
                ? "Rejected."
                : "Approved.",
        );
        router.refresh();
      } else {
        setNotice(null);
        setError(r.error.message);
        // A conflict means the request changed: show it as it is now.
        if (r.error.code === "CONFLICT") router.refresh();
      }
    });
  };

  return (
    <div className="space-y-2" aria-label="Your decision" role="group">
      <Label htmlFor="decision-comment">Comment</Label>
      <textarea
        id="decision-comment"
        className={AREA}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        placeholder="Optional when approving; required when rejecting."
      />
      <div className="flex gap-2">
        <Button type="button" size="sm" disabled={pending} onClick={() => submit("approve")}>
          Approve
        </Button>
        <Button
          type="button"
          size="sm"
          variant="destructive"
          disabled={pending}
          onClick={() => submit("reject")}
        >
          Reject
        </Button>
      </div>
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      {notice ? (
        <p role="status" className="text-sm">
          {notice}
        </p>
      ) : null}
    </div>
  );
}
