import "server-only";
import { log } from "@/lib/telemetry/log";
import NextAuth, { CredentialsSignin } from "next-auth";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { oidcSettings, upsertOidcUser } from "@/server/auth/oidc";
import { verifyCredentials } from "@/server/auth/credentials";
import { metaFromHeaders } from "@/server/http/request-meta";

const oidc = oidcSettings();

const providers: Provider[] = [
  Credentials({
    credentials: { email: {}, password: {} },
    authorize: (raw, request) => verifyCredentials(raw, metaFromHeaders(request.headers).clientIp),
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
      log().error({ err: error, cause: error.cause }, `Auth.js: ${error.name}`);
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
      // the token's own expiry (session.expires is a renewal's, which a page cannot set)
      if (typeof token.exp === "number") session.tokenExpiresAt = token.exp * 1000;
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
