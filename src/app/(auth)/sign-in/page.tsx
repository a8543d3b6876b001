import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { PlaneTakeoff } from "lucide-react";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getActor } from "@/server/auth/session";
import { demoAccounts } from "@/server/access/demo-accounts";
import { signInAction, signInWithSsoAction } from "@/actions/auth";
import { oidcProviderName } from "@/server/auth/config";
import { Button } from "@/components/ui/button";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string }>;
}) {
  const { callbackUrl } = await searchParams;
  if (await getActor()) redirect("/");
  const demo = await demoAccounts();
  return (
    <main className="flex min-h-screen items-center justify-center bg-muted/40 p-4">
      <div className="w-full max-w-sm rounded-lg border bg-card p-6 shadow-sm">
        <div className="mb-6 flex items-center gap-2">
          <PlaneTakeoff className="size-6 text-primary" aria-hidden="true" />
          <div>
            <h1 className="text-lg font-semibold">Flightdeck</h1>
            <p className="text-sm text-muted-foreground">Sign in to the control plane</p>
          </div>
        </div>
        {oidcProviderName ? (
          <form action={signInWithSsoAction} className="mb-4">
            <input type="hidden" name="callbackUrl" value={callbackUrl ?? "/"} />
            <Button type="submit" variant="outline" className="w-full">
              Sign in with {oidcProviderName}
            </Button>
          </form>
        ) : null}
        <SignInForm callbackUrl={callbackUrl ?? "/"} signIn={signInAction} />
        {demo ? (
          <section aria-labelledby="demo-accounts" className="mt-6 border-t pt-4 text-sm">
            <h2 id="demo-accounts" className="font-medium">
              Demo accounts
            </h2>
            <p className="text-muted-foreground">
              Password for all: <code className="font-mono">{demo.password}</code>
            </p>
            <ul className="mt-2 space-y-1">
              {demo.users.map((u) => (
                <li key={u.email} className="flex justify-between gap-2">
                  <code className="font-mono text-xs">{u.email}</code>
                  <span className="text-muted-foreground">{u.role}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
    </main>
  );
}
