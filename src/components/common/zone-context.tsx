"use client";

import { createContext, useContext, type ReactNode } from "react";

const ZoneContext = createContext("UTC");

/**
 * The zone the signed-in person reads times in, for client components (server components read
 * it from the request): the dashboard layout provides it.
 */
export function ZoneProvider({ zone, children }: { zone: string; children: ReactNode }) {
  return <ZoneContext.Provider value={zone}>{children}</ZoneContext.Provider>;
}

export function useZone(): string {
  return useContext(ZoneContext);
}
