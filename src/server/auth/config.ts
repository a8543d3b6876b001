import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import bcrypt from "bcryptjs";
import { z } from "zod";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { demoMode } from "@/server/config";
import { signInThrottle } from "@/server/auth/throttle";
import { oidcSettings, upsertOidcUser } from "@/server/auth/oidc";

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(200),
});

class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}

// A bcrypt hash of a random string: unknown emails take as long as known ones.
const DUMMY_HASH = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.1QjM3fSlNiGLaCnjPVYYmR7f7GGW";

function clientIpOf(headers: Headers): string | null {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || null;
}

const oidc = oidcSettings();

const providers: Provider[] = [
  Credentials({
    credentials: { email: {}, password: {} },
    async authorize(raw, request) {
      const parsed = credentialsSchema.safeParse(raw);
      if (!parsed.success) throw new InvalidCredentials();
      const clientIp = clientIpOf(request.headers);
      const { email, password } = parsed.data;
      const throttled = await signInThrottle(email, clientIp);
      if (throttled) throw new InvalidCredentials();
      const user = await db().user.findUnique({
        where: { email },
        select: {
          id: true,
          email: true,
          name: true,
          role: true,
          passwordHash: true,
          disabled: true,
          demo: true,
        },
      });
      const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
      const refused = !user
        ? "unknown user"
        : !ok || !user.passwordHash
          ? "wrong password"
          : user.disabled
            ? "account disabled"
            : user.demo && !demoMode()
              ? "demo accounts are off (FLIGHTDECK_DEMO=0)"
              : null;
      await appendAudit(db(), {
        actorId: user?.id ?? null,
        actorEmail: email,
        actorRole: user?.role ?? null,
        action: "auth.sign_in",
        targetType: "session",
        outcome: refused ? "denied" : "allowed",
        reason: refused,
        clientIp,
      });
      if (refused || !user) throw new InvalidCredentials();
      return { id: user.id, email: user.email, name: user.name };
    },
  }),
];

if (oidc) {
  providers.push({
    id: "oidc",
    name: oidc.name,
    type: "oidc",
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    authorization: { params: { scope: "openid email profile" } },
    checks: ["pkce", "state", "nonce"],
  });
}

export const oidcProviderName = oidc?.name ?? null;

export const { handlers, auth, signIn, signOut } = NextAuth({
  trustHost: true,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  logger: {
    // A refused sign-in is an expected outcome (and audited), not a server error.
    error(error) {
      if (error.name === "CredentialsSignin" || error instanceof CredentialsSignin) return;
      console.error(`[auth] ${error.name}: ${error.message}`);
    },
  },
  providers,
  callbacks: {
    async signIn({ account, profile, user }) {
      if (account?.provider !== "oidc") return true;
      if (!oidc || !profile) return false;
      const id = await upsertOidcUser(oidc, profile as Record<string, unknown>, null);
      if (!id) return false;
      user.id = id;
      return true;
    },
    jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
  events: {
    async signOut(message) {
      const id = "token" in message ? message.token?.sub : undefined;
      if (!id) return;
      const user = await db().user.findUnique({
        where: { id },
        select: { email: true, role: true },
      });
      await appendAudit(db(), {
        actorId: id,
        actorEmail: user?.email ?? null,
        actorRole: user?.role ?? null,
        action: "auth.sign_out",
        targetType: "session",
        outcome: "allowed",
      });
    },
  },
});
