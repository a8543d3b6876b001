"use client";

import { useActionState } from "react";
import type { SignInState } from "@/lib/schemas/auth";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export function SignInForm({
  callbackUrl,
  signIn,
}: {
  callbackUrl: string;
  signIn: (state: SignInState, form: FormData) => Promise<SignInState>;
}) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, {
    error: null,
    email: "",
  });
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="email">Email</Label>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          defaultValue={state.email}
          required
          autoFocus
        />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="password">Password</Label>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
        />
      </div>
      {state.error ? (
        <p
          role="alert"
          className="rounded-md border border-red-600/40 bg-red-500/10 px-3 py-2 text-sm text-red-800 dark:text-red-300"
        >
          {state.error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
