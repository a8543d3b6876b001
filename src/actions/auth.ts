"use server";

import { AuthError } from "next-auth";
import { signIn, signOut } from "@/server/auth/config";
import { signInThrottleMessage } from "@/server/auth/throttle";
import { currentRequestMeta } from "@/server/http/request-meta";
import { signInSchema, type SignInState } from "@/lib/schemas/auth";

/** Only same-site relative paths are allowed as a post-sign-in destination. */
function safeCallback(url: string | undefined): string {
  return url && url.startsWith("/") && !url.startsWith("//") ? url : "/";
}

export async function signInAction(_prev: SignInState, form: FormData): Promise<SignInState> {
  const parsed = signInSchema.safeParse({
    email: form.get("email"),
    password: form.get("password"),
    callbackUrl: form.get("callbackUrl") ?? undefined,
  });
  const email = typeof form.get("email") === "string" ? String(form.get("email")) : "";
  if (!parsed.success) {
    return { error: parsed.error.issues[0]?.message ?? "Invalid input.", email };
  }
  const meta = await currentRequestMeta();
  const throttled = await signInThrottleMessage(parsed.data.email, meta.clientIp);
  if (throttled) return { error: throttled, email };
  try {
    await signIn("credentials", {
      email: parsed.data.email,
      password: parsed.data.password,
      redirectTo: safeCallback(parsed.data.callbackUrl),
    });
  } catch (error) {
    // signIn redirects by throwing; only authentication failures are handled here.
    if (error instanceof AuthError) {
      return { error: "Email or password is incorrect, or the account is disabled.", email };
    }
    throw error;
  }
  return { error: null, email };
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}

/** Starts single sign-on with the configured OIDC provider. */
export async function signInWithSsoAction(form: FormData): Promise<void> {
  const callbackUrl = form.get("callbackUrl");
  await signIn("oidc", {
    redirectTo: safeCallback(typeof callbackUrl === "string" ? callbackUrl : undefined),
  });
}
