"use server";

import { defineAction } from "@/actions/safe-action";
import { configFormSchema } from "@/lib/schemas/config";
import { applyConfigAs } from "@/server/config/api";

/** The admin page's preview: the changes and problems, nothing written. */
export const previewConfigAction = defineAction({
  name: "config.diff",
  permission: "settings.manage",
  input: configFormSchema,
  target: () => ({ type: "fleet_config" }),
  run: ({ actor, meta, input }) =>
    applyConfigAs(actor, meta, input.yaml, { prune: input.prune, dryRun: true }),
});

/** Applies the file from the admin page, as POST /api/v1/config/apply does. */
export const applyConfigAction = defineAction({
  name: "config.apply",
  permission: "settings.manage",
  input: configFormSchema,
  target: () => ({ type: "fleet_config" }),
  run: ({ actor, meta, input }) =>
    applyConfigAs(actor, meta, input.yaml, { prune: input.prune, dryRun: false }),
  revalidate: ["/admin/config", "/promotions/policy", "/promotions", "/models", "/clusters"],
});
