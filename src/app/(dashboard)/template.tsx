import type { ReactNode } from "react";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { getActor } from "@/server/auth/session";
import { isAllowed } from "@/server/access/authorize";
import { pageObjectExists } from "@/server/http/page-objects";
import { PATHNAME_HEADER, pageObjectOf } from "@/lib/domain/navigation/page-objects";

/**
 * A page for an object that does not exist answers 404. The pages find out themselves, but
 * inside the loading boundary (loading.tsx), after the response has started as a 200. This
 * template renders outside that boundary, so it looks the object up first: only for readers
 * (everyone else is sent to sign in, or told they have no access, by the page itself), so
 * nobody else learns what exists.
 */
export default async function DashboardTemplate({ children }: { children: ReactNode }) {
  const page = pageObjectOf((await headers()).get(PATHNAME_HEADER) ?? "");
  if (page) {
    const actor = await getActor();
    if (isAllowed(actor, "fleet.read") && !(await pageObjectExists(actor, page))) notFound();
  }
  return children;
}
