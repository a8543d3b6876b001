/** The instant the integration fleet is seeded at: a fixed time makes every count reproducible. */
export const SEED_NOW = new Date("2026-11-20T12:00:00.000Z");
