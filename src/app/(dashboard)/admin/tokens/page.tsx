import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { listTokens } from "@/server/access/tokens";
import { listTeams } from "@/server/access/users";
import { createTokenAction, reownTokenAction, revokeTokenAction } from "@/actions/tokens";
import { roleHas } from "@/lib/domain/access/policy";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { Forbidden } from "@/components/common/forbidden";
import { TimeAgo } from "@/components/common/time-ago";
import { Badge } from "@/components/ui/badge";
import { CreateTokenForm } from "@/components/admin/token-controls";
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

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  if (!roleHas(actor.role, "token.manage")) return <Forbidden what="manage API tokens" />;
  const { query, params } = await readListQuery(searchParams);
  const [page, teams] = await Promise.all([listTokens(actor, query), listTeams(actor)]);
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Team-scoped tokens for automation, sent as Authorization: Bearer <token> to /api/v1. A token expires (90 days unless chosen otherwise) and stops while its owner is not an enabled admin; another admin can re-own it."
      />
      <p className="-mt-2 mb-4 text-sm text-muted-foreground">
        API reference:{" "}
        <a href="/api/v1/openapi.json" className="font-mono hover:underline">
          /api/v1/openapi.json
        </a>{" "}
        (OpenAPI 3.1)
      </p>
      <CreateTokenForm teams={teams} createToken={createTokenAction} />
      <h2 className="mb-2 mt-6 text-sm font-semibold">Tokens</h2>
      {page.total === 0 ? (
        <EmptyState title="No API tokens yet" hint="Create one above for CI or scripts." />
      ) : (
        <Table>
          <TableCaption>API tokens</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Token</TableHead>
              <TableHead>Team</TableHead>
              <TableHead>Scopes</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>Status</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((t) => {
              return (
                <TableRow key={t.id} data-testid="token-row" data-name={t.name}>
                  <TableCell>
                    <div className="font-medium">{t.name}</div>
                    <div className="font-mono text-xs text-muted-foreground">{t.prefix}…</div>
                    <div className="text-xs text-muted-foreground">owned by {t.createdBy}</div>
                  </TableCell>
                  <TableCell>{t.teamName}</TableCell>
                  <TableCell>
                    <ul className="font-mono text-xs">
                      {t.scopes.map((s) => (
                        <li key={s}>{s}</li>
                      ))}
                    </ul>
                  </TableCell>
                  <TableCell>
                    {t.lastUsedAt ? (
                      <TimeAgo date={t.lastUsedAt} />
                    ) : (
                      <span className="text-muted-foreground">never</span>
                    )}
                  </TableCell>
                  <TableCell>
                    {t.expiresAt ? (
                      <TimeAgo date={t.expiresAt} />
                    ) : (
                      <span className="text-muted-foreground">never</span>
                    )}
                  </TableCell>
                  <TableCell>
                    {t.state === "revoked" ? (
                      <Badge tone="bad">revoked</Badge>
                    ) : t.state === "expired" ? (
                      <Badge tone="warn">expired</Badge>
                    ) : (
                      <div className="flex flex-col items-start gap-2">
                        {t.state === "owner_inactive" ? (
                          <>
                            <Badge tone="warn">stopped: owner is not an enabled admin</Badge>
                            <ActionButton
                              action={reownTokenAction}
                              input={{ tokenId: t.id, ownerId: t.ownerId }}
                              label="Re-own"
                              confirm={`Become the owner of “${t.name}”? It works again, with your authority, while you are an enabled admin.`}
                            />
                          </>
                        ) : null}
                        <ActionButton
                          action={revokeTokenAction}
                          input={{ tokenId: t.id }}
                          label="Revoke"
                          variant="destructive"
                          confirm={`Revoke the token “${t.name}”? Automation using it stops working at once.`}
                        />
                      </div>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/admin/tokens" params={params} />
    </>
  );
}
