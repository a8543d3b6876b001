import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LogOut, ShieldAlert } from "lucide-react";
import { getActor } from "@/server/auth/session";
import { signOutAction } from "@/actions/auth";
import { Button } from "@/components/ui/button";

export const metadata: Metadata = { title: "No access" };

export default async function NoAccessPage() {
  const actor = await getActor();
  if (!actor) redirect("/sign-in");
  if (actor.role) redirect("/");
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="max-w-md rounded-lg border bg-card p-6 text-center">
        <ShieldAlert className="mx-auto mb-2 size-8 text-amber-600" aria-hidden="true" />
        <h1 className="text-lg font-semibold">No role assigned</h1>
        <p className="mt-1 text-sm text-muted-foreground">
          You are signed in as {actor.email}, but your account has no role, so Flightdeck shows
          nothing. Ask an admin to assign one.
        </p>
        <form action={signOutAction} className="mt-4 flex justify-center">
          <Button type="submit" variant="ghost" size="sm">
            <LogOut aria-hidden="true" /> Sign out
          </Button>
        </form>
      </div>
    </main>
  );
}
