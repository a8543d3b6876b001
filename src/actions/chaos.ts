"use server";

import { defineAction } from "@/actions/safe-action";
import { startChaosSchema, stopChaosSchema } from "@/lib/schemas/chaos";
import { startChaos, stopChaos } from "@/server/fleet/chaos";

export const startChaosAction = defineAction({
  name: "chaos.start",
  permission: "chaos.trigger",
  input: startChaosSchema,
  target: (i) => ({ type: "chaos_experiment", id: `${i.kind}:${i.region}` }),
  run: ({ actor, meta, input }) => startChaos(actor, meta, input),
  revalidate: ["/admin/chaos", "/"],
});

export const stopChaosAction = defineAction({
  name: "chaos.stop",
  permission: "chaos.trigger",
  input: stopChaosSchema,
  target: (i) => ({ type: "chaos_experiment", id: i.experimentId }),
  run: ({ actor, meta, input }) => stopChaos(actor, meta, input),
  revalidate: ["/admin/chaos", "/"],
});
