import { vi } from "vitest";
import type * as Session from "@/server/auth/session";

/**
 * Server actions read the session and request headers from Next.js's request scope. In tests
 * the session is "signed in as" a real user id, re-read from the database on each call,
 * exactly as getActor() does in the app; only the cookie plumbing is replaced.
 */
export const requestContext = {
  userId: null as string | null,
  headers: new Headers({
    origin: "http://localhost:3000",
    "x-flightdeck-client-address": "203.0.113.7",
  }),
};

vi.mock("next/headers", () => ({
  headers: async () => requestContext.headers,
  cookies: async () => ({ get: () => undefined, set: () => undefined }),
}));

vi.mock("next/cache", () => ({
  revalidatePath: () => undefined,
  revalidateTag: () => undefined,
}));

vi.mock("@/server/auth/session", async (importOriginal) => {
  const real = await importOriginal<typeof Session>();
  return {
    ...real,
    getActor: async () =>
      requestContext.userId ? real.loadUserActor(requestContext.userId) : null,
  };
});
