import { clock } from "@/lib/clock";
import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { modelReleaseSettings, releasePolicy } from "@/server/promotions/release-policy";
import { listRecurringWindows } from "@/server/promotions/release-windows";
import { isAllowed } from "@/server/access/authorize";
import {
  createFreezeAction,
  createRecurringWindowAction,
  deleteFreezeAction,
  deleteRecurringWindowAction,
  setEnvironmentPolicyAction,
  setModelReleaseSettingsAction,
} from "@/actions/promotions";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { TimeAgo } from "@/components/common/time-ago";
import { ActionButton } from "@/components/common/action-button";
import { Badge } from "@/components/ui/badge";
import {
  EnvironmentPolicyForm,
  FreezeForm,
  ModelSettingsForm,
  RecurringWindowForm,
} from "@/components/promotions/policy-forms";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Release policy" };

function soakText(min: number): string {
  if (min === 0) return "none";
  return min % 60 === 0 ? `${min / 60} h` : `${min} min`;
}

export default async function ReleasePolicyPage() {
  const actor = await requirePageActor();
  const now = clock.now();
  const [{ environments, freezes }, models, windows] = await Promise.all([
    releasePolicy(actor, now),
    modelReleaseSettings(actor),
    listRecurringWindows(actor, now),
  ]);
  const admin = isAllowed(actor, "settings.manage");
  return (
    <>
      <PageHeader
        title="Release policy"
        description="What promotions into each environment need, and the change-freeze calendar. Admins change them; every change is audited."
      />
      <h2 className="mb-2 text-sm font-semibold">Change freezes</h2>
      <p className="mb-2 text-sm text-muted-foreground">
        A freeze blocks promotions into its environments while it lasts, except requests marked as
        fixes.
      </p>
      {freezes.length === 0 ? (
        <EmptyState title="No freezes scheduled" />
      ) : (
        <Table>
          <TableCaption>Current, upcoming and recent freezes</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Freeze</TableHead>
              <TableHead>Environments</TableHead>
              <TableHead>Starts</TableHead>
              <TableHead>Ends</TableHead>
              <TableHead>State</TableHead>
              {admin ? <TableHead>Remove</TableHead> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {freezes.map((f) => {
              const state = f.endsAt <= now ? "ended" : f.startsAt <= now ? "in force" : "upcoming";
              return (
                <TableRow key={f.id} data-testid="freeze-row">
                  <TableCell>
                    <div className="font-medium">{f.name}</div>
                    <div className="text-xs text-muted-foreground">
                      {f.reason} · by {f.createdBy}
                    </div>
                  </TableCell>
                  <TableCell>{f.tier ?? "all"}</TableCell>
                  <TableCell>
                    <TimeAgo date={f.startsAt} now={now} />
                  </TableCell>
                  <TableCell>
                    <TimeAgo date={f.endsAt} now={now} />
                  </TableCell>
                  <TableCell>
                    <Badge
                      tone={
                        state === "in force" ? "bad" : state === "upcoming" ? "warn" : "neutral"
                      }
                      data-testid="freeze-state"
                    >
                      {state}
                    </Badge>
                  </TableCell>
                  {admin ? (
                    <TableCell>
                      <ActionButton
                        action={deleteFreezeAction}
                        input={{ freezeId: f.id }}
                        label="Remove"
                        confirm={`Remove the freeze "${f.name}"? Promotions into ${f.tier ?? "every environment"} are no longer blocked by it.`}
                      />
                    </TableCell>
                  ) : null}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {admin ? (
        <div className="mt-3">
          <FreezeForm create={createFreezeAction} />
        </div>
      ) : null}
      <h2 className="mb-2 mt-6 text-sm font-semibold">Repeating windows</h2>
      <p className="mb-2 text-sm text-muted-foreground">
        Weekly, in a named time zone (local hours are kept across daylight-saving changes). A freeze
        blocks changes while it lasts; an allowed window means its environments take changes only
        inside it. Both block promotions and direct rollouts, except fixes.
      </p>
      {windows.length === 0 ? (
        <EmptyState title="No repeating windows" />
      ) : (
        <Table>
          <TableCaption>Windows that repeat every week</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Window</TableHead>
              <TableHead>Environments</TableHead>
              <TableHead>When</TableHead>
              <TableHead>Now</TableHead>
              {admin ? <TableHead>Remove</TableHead> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {windows.map((w) => {
              // an allowed window that is open, or a freeze that is in force
              const inside = w.current !== null;
              const blocking = w.kind === "freeze" ? inside : !inside;
              return (
                <TableRow key={w.id} data-testid="window-row">
                  <TableCell>
                    <div className="font-medium">{w.name}</div>
                    <div className="text-xs text-muted-foreground">
                      {w.kind === "freeze" ? "freeze" : "allowed window"}
                      {w.reason ? ` · ${w.reason}` : ""}
                    </div>
                  </TableCell>
                  <TableCell>{w.tier ?? "all"}</TableCell>
                  <TableCell>{w.description}</TableCell>
                  <TableCell>
                    <Badge tone={blocking ? "bad" : "good"} data-testid="window-state">
                      {w.kind === "freeze"
                        ? inside
                          ? "in force"
                          : "not in force"
                        : inside
                          ? "open"
                          : "closed"}
                    </Badge>
                    <div className="mt-1 text-xs text-muted-foreground">
                      {w.current ? (
                        <>
                          {w.kind === "freeze" ? "ends" : "closes"}{" "}
                          <TimeAgo date={w.current.endsAt} now={now} />
                        </>
                      ) : w.next ? (
                        <>
                          {w.kind === "freeze" ? "starts" : "opens"}{" "}
                          <TimeAgo date={w.next.startsAt} now={now} />
                        </>
                      ) : null}
                    </div>
                  </TableCell>
                  {admin ? (
                    <TableCell>
                      <ActionButton
                        action={deleteRecurringWindowAction}
                        input={{ windowId: w.id }}
                        label="Remove"
                        confirm={`Remove the repeating window "${w.name}"?`}
                      />
                    </TableCell>
                  ) : null}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {admin ? (
        <div className="mt-3">
          <RecurringWindowForm create={createRecurringWindowAction} />
        </div>
      ) : null}
      <h2 className="mb-2 mt-6 text-sm font-semibold">Environments</h2>
      <Table>
        <TableCaption>
          Approvals and staging soak promotions need, per environment, and whether it takes changes
          only through promotions (direct rollouts refused except an admin&apos;s fix)
        </TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead>Environment</TableHead>
            <TableHead className="text-right">Approvals</TableHead>
            <TableHead className="text-right">Staging soak</TableHead>
            <TableHead>Changes</TableHead>
            {admin ? <TableHead>Change</TableHead> : null}
          </TableRow>
        </TableHeader>
        <TableBody>
          {environments.map((e) => (
            <TableRow key={e.name} data-testid="environment-policy-row">
              <TableCell className="font-medium">{e.name}</TableCell>
              <TableCell className="text-right tabular-nums">{e.requiredApprovals}</TableCell>
              <TableCell className="text-right tabular-nums">{soakText(e.soakMinutes)}</TableCell>
              <TableCell data-testid="environment-changes">
                {e.promotionsOnly ? "Only through promotions" : "Direct rollouts allowed"}
              </TableCell>
              {admin ? (
                <TableCell>
                  <EnvironmentPolicyForm
                    environment={e.name}
                    requiredApprovals={e.requiredApprovals}
                    soakMinutes={e.soakMinutes}
                    promotionsOnly={e.promotionsOnly}
                    save={setEnvironmentPolicyAction}
                  />
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <h2 className="mb-2 mt-6 text-sm font-semibold">Models</h2>
      <p className="mb-2 text-sm text-muted-foreground">
        The eval bar each model&apos;s promotions must clear, and the resources its replicas
        request. The model team&apos;s release managers change them.
      </p>
      <ul className="grid gap-3 lg:grid-cols-2">
        {models.map((m) => (
          <li key={m.model} className="rounded-md border p-3" data-testid="model-settings">
            <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
              <span className="font-medium">{m.displayName}</span>
              <span className="font-mono text-xs text-muted-foreground">
                {m.model} · {m.teamName}
              </span>
            </div>
            {m.canEdit ? (
              <ModelSettingsForm
                model={m.model}
                thresholds={m.thresholds}
                resources={m.resources}
                save={setModelReleaseSettingsAction}
              />
            ) : (
              <>
                <pre className="whitespace-pre-wrap font-mono text-xs">
                  {m.thresholds || "No eval thresholds: promotions fail the eval gate."}
                </pre>
                <p className="mt-1 text-xs text-muted-foreground">
                  {m.resources
                    ? `${m.resources.gpu} GPU · ${m.resources.cpu} CPU · ${m.resources.memoryGi} GiB per replica`
                    : "No serving resources set."}
                </p>
              </>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
