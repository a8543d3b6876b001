import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    user: { id: string } & DefaultSession["user"];
    /** when the session token expires (ms since the epoch) */
    tokenExpiresAt?: number;
  }
}
