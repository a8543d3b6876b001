import {
  AlertTriangle,
  CheckCircle2,
  CircleDashed,
  CircleSlash,
  Clock,
  Loader2,
  OctagonX,
  PauseCircle,
  Rocket,
  RotateCcw,
  type LucideIcon,
} from "lucide-react";
import { Badge, type BadgeProps } from "@/components/ui/badge";

type Tone = NonNullable<BadgeProps["tone"]>;

/** Every status reads without colour: an icon and a word accompany the tone. */
const STATUS: Record<string, { tone: Tone; icon: LucideIcon; label?: string }> = {
  healthy: { tone: "good", icon: CheckCircle2 },
  degraded: { tone: "warn", icon: AlertTriangle },
  unreachable: { tone: "bad", icon: OctagonX },
  pending: { tone: "neutral", icon: CircleDashed },
  progressing: { tone: "info", icon: Loader2 },
  paused: { tone: "warn", icon: PauseCircle },
  analyzing: { tone: "info", icon: Loader2 },
  aborted: { tone: "bad", icon: OctagonX },
  rolled_back: { tone: "bad", icon: RotateCcw, label: "rolled back" },
  completed: { tone: "good", icon: CheckCircle2 },
  triage: { tone: "bad", icon: AlertTriangle },
  investigating: { tone: "bad", icon: Loader2 },
  mitigated: { tone: "warn", icon: PauseCircle },
  resolved: { tone: "good", icon: CheckCircle2 },
  closed: { tone: "neutral", icon: CheckCircle2 },
  cancelled: { tone: "neutral", icon: CircleSlash },
  queued: { tone: "neutral", icon: Clock },
  running: { tone: "info", icon: Loader2 },
  checkpointing: { tone: "info", icon: Loader2 },
  failed: { tone: "bad", icon: OctagonX },
  restarting: { tone: "warn", icon: RotateCcw },
  succeeded: { tone: "good", icon: CheckCircle2 },
  at_risk: { tone: "warn", icon: AlertTriangle, label: "at risk" },
  exhausted: { tone: "bad", icon: OctagonX },
  no_data: { tone: "neutral", icon: CircleDashed, label: "no data" },
  allowed: { tone: "good", icon: CheckCircle2 },
  denied: { tone: "bad", icon: CircleSlash },
  approved: { tone: "good", icon: CheckCircle2 },
  started: { tone: "info", icon: Rocket },
  rejected: { tone: "bad", icon: OctagonX },
  withdrawn: { tone: "neutral", icon: CircleSlash },
  pass: { tone: "good", icon: CheckCircle2 },
  warn: { tone: "warn", icon: AlertTriangle, label: "warning" },
  fail: { tone: "bad", icon: OctagonX },
  unknown: { tone: "neutral", icon: CircleDashed },
  SEV1: { tone: "bad", icon: OctagonX },
  SEV2: { tone: "bad", icon: AlertTriangle },
  SEV3: { tone: "warn", icon: AlertTriangle },
  SEV4: { tone: "neutral", icon: AlertTriangle },
  // region drains: the capacity check's verdicts and a drain's phases
  safe: { tone: "good", icon: CheckCircle2 },
  tight: { tone: "warn", icon: AlertTriangle },
  impossible: { tone: "bad", icon: OctagonX },
  draining: { tone: "info", icon: Loader2 },
  drained: { tone: "warn", icon: PauseCircle },
  undraining: { tone: "info", icon: RotateCcw },
  undrained: { tone: "neutral", icon: CheckCircle2 },
};

export function StatusBadge({ status }: { status: string }) {
  const s = STATUS[status] ?? { tone: "neutral" as Tone, icon: CircleDashed };
  const Icon = s.icon;
  return (
    <Badge tone={s.tone} data-status={status}>
      <Icon aria-hidden="true" />
      {s.label ?? status.replaceAll("_", " ")}
    </Badge>
  );
}
