"use server";

import { defineAction } from "@/actions/safe-action";
import { drainCommandSchema, startDrainSchema } from "@/lib/schemas/traffic";
import { commandDrain, startDrain } from "@/server/traffic/drains";

export const startDrainAction = defineAction({
  name: "traffic.drain",
  permission: "traffic.shift",
  input: startDrainSchema,
  target: (i) => ({ type: "region_drain", id: `${i.kind}:${i.region}` }),
  run: ({ actor, meta, input }) => startDrain(actor, meta, input),
  revalidate: ["/regions"],
});

export const drainCommandAction = defineAction({
  name: "traffic.command",
  permission: "traffic.shift",
  input: drainCommandSchema,
  target: (i) => ({ type: "region_drain", id: i.drainId }),
  run: ({ actor, meta, input }) => commandDrain(actor, meta, input),
  revalidate: ["/regions"],
});
