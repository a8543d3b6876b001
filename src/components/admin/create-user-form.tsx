"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { CreateUserInput } from "@/lib/schemas/users";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FormMessage, RoleOptions, TeamOptions } from "@/components/admin/form-bits";
import { NativeSelect } from "@/components/ui/native-select";

export function CreateUserForm({
  teams,
  createUser,
}: {
  teams: { id: string; name: string }[];
  createUser: (input: CreateUserInput) => Promise<ActionResult<{ email: string }>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<{ email: string }> | null>(null);

  return (
    <form
      className="grid grid-cols-1 gap-3 rounded-lg border bg-card p-4 md:grid-cols-6"
      aria-label="Create user"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        startTransition(async () => {
          const r = await createUser({
            email: String(data.get("email") ?? ""),
            name: String(data.get("name") ?? ""),
            role: String(data.get("role") ?? "none") as CreateUserInput["role"],
            teamId: String(data.get("teamId") ?? ""),
            password: String(data.get("password") ?? ""),
          });
          setResult(r);
          if (r.ok) {
            form.reset();
            router.refresh();
          }
        });
      }}
    >
      <div className="flex flex-col gap-1.5 md:col-span-2">
        <Label htmlFor="new-email">Email</Label>
        <Input id="new-email" name="email" type="email" required autoComplete="off" />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="new-name">Name</Label>
        <Input id="new-name" name="name" required autoComplete="off" />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="new-role">Role</Label>
        <NativeSelect id="new-role" name="role" defaultValue="viewer">
          <RoleOptions />
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="new-team">Team</Label>
        <NativeSelect id="new-team" name="teamId" defaultValue="">
          <TeamOptions teams={teams} />
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="new-password">Initial password</Label>
        <Input
          id="new-password"
          name="password"
          type="password"
          required
          autoComplete="new-password"
          minLength={12}
        />
      </div>
      <div className="flex items-center gap-3 md:col-span-6">
        <Button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create user"}
        </Button>
        <FormMessage result={result} success={(d) => `Created ${d.email}.`} />
      </div>
    </form>
  );
}
