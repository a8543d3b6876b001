import { clock } from "@/lib/clock";
import { CHAOS_PERCENT } from "@/lib/schemas/chaos";
import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { listChaos } from "@/server/fleet/chaos";
import { listRegions } from "@/server/fleet/overview";
import { startChaosAction, stopChaosAction } from "@/actions/chaos";
import { roleHas } from "@/lib/domain/access/policy";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { TimeAgo } from "@/components/common/time-ago";
import { Badge } from "@/components/ui/badge";
import { StartChaosForm } from "@/components/admin/chaos-controls";
import { ActionButton } from "@/components/common/action-button";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Chaos" };

export default async function ChaosPage() {
  const actor = await requirePageActor();
  if (!roleHas(actor.role, "chaos.trigger")) return <Forbidden what="run chaos experiments" />;
  const [experiments, regions] = await Promise.all([listChaos(actor), listRegions(actor)]);
  const now = clock.now();
  return (
    <>
      <PageHeader
        title="Chaos experiments"
        description="Inject faults into the simulated fleet to rehearse on-call. Every experiment heals by itself."
      />
      <StartChaosForm regions={regions.map((r) => r.code)} startChaos={startChaosAction} />
      <h2 className="mb-2 mt-6 text-sm font-semibold">Running and recent (24 h)</h2>
      {experiments.length === 0 ? (
        <EmptyState title="No experiments in the last day" />
      ) : (
        <Table>
          <TableCaption>Chaos experiments</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Fault</TableHead>
              <TableHead>Region</TableHead>
              <TableHead>Started</TableHead>
              <TableHead>Heals</TableHead>
              <TableHead>Reason</TableHead>
              <TableHead>State</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {experiments.map((e) => {
              const end = e.stoppedAt ?? e.endsAt;
              const running = end > now;
              return (
                <TableRow key={e.id} data-testid="chaos-row">
                  <TableCell>
                    {e.kind === "latency_injection"
                      ? `+${Math.round(e.magnitude * 100)}% latency`
                      : `${+(e.magnitude * 100).toFixed(1)}% ${CHAOS_PERCENT[e.kind].label}`}
                  </TableCell>
                  <TableCell>{e.region}</TableCell>
                  <TableCell>
                    <TimeAgo date={e.startedAt} />
                    <div className="text-xs text-muted-foreground">by {e.createdBy}</div>
                  </TableCell>
                  <TableCell>
                    <TimeAgo date={end} />
                  </TableCell>
                  <TableCell className="max-w-64 text-xs">{e.reason}</TableCell>
                  <TableCell>
                    {running ? (
                      <div className="flex items-center gap-2">
                        <Badge tone="bad">running</Badge>
                        <ActionButton
                          action={stopChaosAction}
                          input={{ experimentId: e.id }}
                          label="Stop and heal"
                        />
                      </div>
                    ) : (
                      <Badge tone="neutral">{e.stoppedAt ? "stopped" : "healed"}</Badge>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </>
  );
}
