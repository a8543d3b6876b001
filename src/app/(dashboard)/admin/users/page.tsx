import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { listTeams, listUsers } from "@/server/access/users";
import { createUserAction, setUserDisabledAction, updateUserAction } from "@/actions/users";
import { roleHas } from "@/lib/domain/access/policy";
import { ROLE_LABELS } from "@/lib/domain/access/roles";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { Forbidden } from "@/components/common/forbidden";
import { TimeAgo } from "@/components/common/time-ago";
import { Badge } from "@/components/ui/badge";
import { CreateUserForm } from "@/components/admin/create-user-form";
import { UserControls } from "@/components/admin/user-controls";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  if (!roleHas(actor.role, "user.manage")) return <Forbidden what="manage users" />;
  const { query, params } = await readListQuery(searchParams);
  const [page, teams] = await Promise.all([listUsers(actor, query), listTeams(actor)]);
  return (
    <>
      <PageHeader
        title="Users"
        description="Who may use Flightdeck, with which role and team. Changes apply on the user's next request."
      />
      <h2 className="mb-2 text-sm font-semibold">Create a user</h2>
      <CreateUserForm teams={teams} createUser={createUserAction} />
      <h2 className="mb-2 mt-6 text-sm font-semibold">All users</h2>
      <Table>
        <TableCaption>Users</TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead>User</TableHead>
            <TableHead>Role · team</TableHead>
            <TableHead>Status</TableHead>
            <TableHead>Change</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {page.rows.map((u) => (
            <TableRow key={u.id} data-testid="user-row" data-email={u.email}>
              <TableCell>
                <div className="font-medium">{u.name}</div>
                <div className="text-xs text-muted-foreground">
                  {u.email} · {u.authProvider === "oidc" ? "SSO" : "password"}
                  {u.demo ? " · demo" : ""}
                </div>
                <div className="text-xs text-muted-foreground">
                  <TimeAgo date={u.createdAt} />
                </div>
              </TableCell>
              <TableCell>
                {u.role ? (
                  ROLE_LABELS[u.role]
                ) : (
                  <span className="text-muted-foreground">No role</span>
                )}
                <div className="text-xs text-muted-foreground">{u.teamName ?? "No team"}</div>
              </TableCell>
              <TableCell>
                {u.disabled ? (
                  <Badge tone="bad">disabled</Badge>
                ) : (
                  <Badge tone="good">active</Badge>
                )}
              </TableCell>
              <TableCell>
                <UserControls
                  user={u}
                  self={u.id === actor.id}
                  teams={teams}
                  updateUser={updateUserAction}
                  setDisabled={setUserDisabledAction}
                />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Pagination {...page} basePath="/admin/users" params={params} />
    </>
  );
}
