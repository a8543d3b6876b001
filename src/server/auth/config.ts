import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import bcrypt from "bcryptjs";
import { z } from "zod";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { demoMode } from "@/server/config";

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(200),
});

class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  trustHost: true,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/sign-in" },
  logger: {
    // A wrong password is an expected outcome (audited above), not a server error.
    error(error) {
      if (error.name === "CredentialsSignin" || error instanceof CredentialsSignin) return;
      console.error(`[auth] ${error.name}: ${error.message}`);
    },
  },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) throw new InvalidCredentials();
        const clientIp =
          request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ??
          request.headers.get("x-real-ip");
        const user = await db().user.findUnique({
          where: { email: parsed.data.email },
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
        // Compare even when the user is unknown, so timing does not reveal which emails exist.
        const hash =
          user?.passwordHash ?? "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.1QjM3fSlNiGLaCnjPVYYmR7f7GGW";
        const ok = await bcrypt.compare(parsed.data.password, hash);
        const refused = !user
          ? "unknown user"
          : !ok
            ? "wrong password"
            : user.disabled
              ? "account disabled"
              : user.demo && !demoMode()
                ? "demo accounts are off (FLIGHTDECK_DEMO=0)"
                : null;
        await appendAudit(db(), {
          actorId: user?.id ?? null,
          actorEmail: parsed.data.email,
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
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
});
