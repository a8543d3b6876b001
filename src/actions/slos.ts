"use server";

import { z } from "zod";
import { defineAction } from "@/actions/safe-action";
import { sloSpecSchema } from "@/lib/domain/slos/spec";
import {
  setBudgetPolicySchema,
  sloImportSchema,
  sloOverrideReasonSchema,
  sloVersionSchema,
} from "@/lib/schemas/slos";
import { setBudgetPolicy } from "@/server/slos/budget-policy";
import { createSlo, deleteSlo, updateSlo } from "@/server/slos/definitions";
import { importSloYaml } from "@/server/slos/documents";

export const createSloAction = defineAction({
  name: "slo.create",
  permission: "slo.manage",
  input: sloSpecSchema,
  target: (i) => ({ type: "slo", id: i.name }),
  run: async ({ actor, meta, input }) => {
    const r = await createSlo(actor, meta, input);
    return { name: r.definition.spec.name, created: r.created };
  },
  revalidate: ["/slos"],
});

export const updateSloAction = defineAction({
  name: "slo.update",
  permission: "slo.manage",
  input: z.object({
    version: sloVersionSchema,
    spec: sloSpecSchema,
    overrideReason: sloOverrideReasonSchema,
  }),
  target: (i) => ({ type: "slo", id: i.spec.name }),
  run: async ({ actor, meta, input }) => {
    const def = await updateSlo(
      actor,
      meta,
      input.spec.name,
      input.version,
      input.spec,
      input.overrideReason ?? null,
    );
    return { name: def.spec.name, version: def.version };
  },
  revalidate: ["/slos"],
});

export const deleteSloAction = defineAction({
  name: "slo.delete",
  permission: "slo.manage",
  input: z.object({
    name: z.string().min(1).max(63),
    version: sloVersionSchema,
    overrideReason: sloOverrideReasonSchema,
  }),
  target: (i) => ({ type: "slo", id: i.name }),
  run: ({ actor, meta, input }) =>
    deleteSlo(actor, meta, input.name, input.version, input.overrideReason ?? null),
  revalidate: ["/slos"],
});

export const importSlosAction = defineAction({
  name: "slo.import",
  permission: "slo.manage",
  input: sloImportSchema,
  target: () => ({ type: "slo" }),
  run: ({ actor, meta, input }) => importSloYaml(actor, meta, input.yaml),
  revalidate: ["/slos"],
});

export const setBudgetPolicyAction = defineAction({
  name: "budget_policy.update",
  permission: "settings.manage",
  input: setBudgetPolicySchema,
  target: (i) => ({ type: "model", id: i.model }),
  run: ({ actor, meta, input }) => setBudgetPolicy(actor, meta, input),
  revalidate: ["/slos", "/rollouts/new"],
});
