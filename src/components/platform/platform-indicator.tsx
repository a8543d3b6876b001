import { formatDistanceStrict } from "date-fns";
import { __iconData as circleCheck } from "lucide-react/icons/circle-check";
import { __iconData as octagonX } from "lucide-react/icons/octagon-x";
import { __iconData as triangleAlert } from "lucide-react/icons/triangle-exclamation-point";
import { drawing, SvgIcon } from "@/components/common/svg-icon";
import { formatAbsolute } from "@/components/common/time-ago";
import { cn } from "@/lib/utils";

export interface PlatformIndicatorProps {
  status: "ok" | "degraded" | "down";
  sources: {
    name: string;
    status: "ok" | "degraded" | "down";
    detail: string;
    lastOkAt: Date | null;
  }[];
}

const LOOK = {
  ok: {
    icon: drawing(circleCheck),
    label: "Platform healthy",
    className: "text-emerald-700 dark:text-emerald-300",
  },
  degraded: {
    icon: drawing(triangleAlert),
    label: "Platform degraded",
    className: "text-amber-700 dark:text-amber-300",
  },
  down: {
    icon: drawing(octagonX),
    label: "Platform unreachable",
    className: "text-red-700 dark:text-red-300",
  },
} as const;

/** Header badge: are the platform sources answering, and when did each last answer. */
export function PlatformIndicator({ status, sources }: PlatformIndicatorProps) {
  const look = LOOK[status];
  const now = new Date();
  const detail = sources
    .map(
      (s) =>
        `${s.name}: ${s.status} (${s.detail}); last answered ${
          s.lastOkAt
            ? `${formatDistanceStrict(s.lastOkAt, now)} ago, ${formatAbsolute(s.lastOkAt)}`
            : "never"
        }`,
    )
    .join("\n");
  return (
    <div
      className={cn("flex items-center gap-1.5 text-xs font-medium", look.className)}
      title={detail}
      data-testid="platform-status"
      data-status={status}
    >
      <SvgIcon icon={look.icon} className="size-4" aria-hidden="true" />
      <span>{look.label}</span>
      <span className="sr-only">{detail}</span>
    </div>
  );
}
