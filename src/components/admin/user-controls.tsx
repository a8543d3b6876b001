"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { SetUserDisabledInput, UpdateUserInput } from "@/lib/schemas/users";
import { Button } from "@/components/ui/button";
import { FormMessage, RoleOptions, TeamOptions } from "@/components/admin/form-bits";
import { NativeSelect } from "@/components/ui/native-select";

export interface EditableUser {
  id: string;
  email: string;
  role: string | null;
  teamId: string | null;
  disabled: boolean;
  version: number;
}

/** Role, team and enable/disable controls for one user row. */
export function UserControls({
  user,
  self,
  teams,
  updateUser,
  setDisabled,
}: {
  user: EditableUser;
  /** the signed-in admin's own row: no self-lockout controls */
  self: boolean;
  teams: { id: string; name: string }[];
  updateUser: (input: UpdateUserInput) => Promise<ActionResult<unknown>>;
  setDisabled: (input: SetUserDisabledInput) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [role, setRole] = useState(user.role ?? "none");
  const [teamId, setTeamId] = useState(user.teamId ?? "");
  const [result, setResult] = useState<ActionResult<unknown> | null>(null);
  const dirty = role !== (user.role ?? "none") || teamId !== (user.teamId ?? "");

  const run = (call: () => Promise<ActionResult<unknown>>) =>
    startTransition(async () => {
      const r = await call();
      setResult(r);
      if (r.ok) router.refresh();
    });

  return (
    <div className="flex flex-wrap items-center gap-2">
      <label className="sr-only" htmlFor={`role-${user.id}`}>
        Role for {user.email}
      </label>
      <NativeSelect
        id={`role-${user.id}`}

        value={role}
        disabled={pending || self}
        onChange={(e) => setRole(e.target.value)}
      >
        <RoleOptions />
      </NativeSelect>
      <label className="sr-only" htmlFor={`team-${user.id}`}>
        Team for {user.email}
      </label>
      <NativeSelect
        id={`team-${user.id}`}

        value={teamId}
        disabled={pending}
        onChange={(e) => setTeamId(e.target.value)}
      >
        <TeamOptions teams={teams} />
      </NativeSelect>
      <Button
        size="sm"
        disabled={!dirty || pending}
        onClick={() =>
          run(() =>
            updateUser({
              userId: user.id,
              role: role as UpdateUserInput["role"],
              teamId,
              version: user.version,
            }),
          )
        }
      >
        Save
      </Button>
      {self ? (
        <span className="text-xs text-muted-foreground">This is you</span>
      ) : (
        <Button
          size="sm"
          variant={user.disabled ? "outline" : "destructive"}
          disabled={pending}
          onClick={() => {
            if (
              !user.disabled &&
              !window.confirm(`Disable ${user.email}? They are signed out on their next request.`)
            )
              return;
            run(() =>
              setDisabled({ userId: user.id, disabled: !user.disabled, version: user.version }),
            );
          }}
        >
          {user.disabled ? "Enable" : "Disable"}
        </Button>
      )}
      <FormMessage result={result} success={() => "Saved."} />
    </div>
  );
}
