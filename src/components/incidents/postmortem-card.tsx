import Link from "next/link";
import { AlertTriangle, CheckCircle2, CircleDashed, Info } from "lucide-react";
import { TimeAgo } from "@/components/common/time-ago";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

export type PostmortemCompleteness = { complete: true } | { complete: false; reasons: string[] };

/** Whether a postmortem is required, and how far it is; every state is said in words. */
export function PostmortemProgress({
  required,
  completeness,
}: {
  required: { required: boolean; reasons: string[] };
  /** null: none saved yet */
  completeness: PostmortemCompleteness | null;
}) {
  return (
    <div className="space-y-2 text-sm" data-testid="postmortem-progress">
      <p className="flex items-start gap-2">
        {required.required ? (
          <AlertTriangle aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-amber-600" />
        ) : (
          <Info aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
        )}
        <span>
          {required.required
            ? `Required: ${required.reasons.join("; ")}. The incident closes only once it is complete.`
            : "Not required: only SEV1 and SEV2 incidents, and incidents that spent more than 20% of a linked SLO's error budget, need one."}
        </span>
      </p>
      {completeness === null ? (
        <p className="flex items-start gap-2">
          <CircleDashed aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
          <span>Not started: nothing has been saved yet.</span>
        </p>
      ) : completeness.complete ? (
        <p className="flex items-start gap-2 font-medium">
          <CheckCircle2 aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-emerald-600" />
          <span>Complete</span>
        </p>
      ) : (
        <div className="flex items-start gap-2">
          <CircleDashed aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
          <div>
            <p>Incomplete. Still missing:</p>
            <ul className="list-disc pl-5">
              {completeness.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </div>
  );
}

/** The incident page's summary of its postmortem, with the way to the editor. */
export function PostmortemCard({
  status,
}: {
  status: {
    number: number;
    required: { required: boolean; reasons: string[] };
    completeness: PostmortemCompleteness | null;
    version: number;
    savedAt: Date | null;
    savedBy: string | null;
    canEdit: boolean;
  };
}) {
  const label = !status.canEdit
    ? "Read the postmortem"
    : status.version === 0
      ? "Write the postmortem"
      : "Edit the postmortem";
  return (
    <Card>
      <CardHeader>
        <CardTitle>Postmortem</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        <PostmortemProgress required={status.required} completeness={status.completeness} />
        {status.savedAt ? (
          <div className="flex flex-wrap items-baseline gap-x-2 text-xs text-muted-foreground">
            <span>
              Version {status.version}, last saved by {status.savedBy}
            </span>
            <TimeAgo date={status.savedAt} />
          </div>
        ) : null}
        <Link
          className="inline-block text-sm font-medium underline"
          href={`/incidents/${status.number}/postmortem`}
        >
          {label}
        </Link>
      </CardContent>
    </Card>
  );
}
