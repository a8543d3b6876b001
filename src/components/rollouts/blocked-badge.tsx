import { OctagonX } from "lucide-react";
import { Badge } from "@/components/ui/badge";

/** A rollout the engine cannot drive: the word and the icon, so it reads without colour. */
export function BlockedBadge() {
  return (
    <Badge tone="bad" data-testid="blocked-badge">
      <OctagonX aria-hidden="true" />
      blocked
    </Badge>
  );
}
