"use server";

import { defineAction } from "@/actions/safe-action";
import { createRecurringWindow, deleteRecurringWindow } from "@/server/promotions/release-windows";
import {
  createPromotionSchema,
  decidePromotionSchema,
  deleteFreezeSchema,
  editPromotionSchema,
  environmentPolicySchema,
  freezeWindowSchema,
  recurringWindowSchema,
  deleteRecurringWindowSchema,
  modelReleaseSettingsSchema,
  promotionRefSchema,
} from "@/lib/schemas/promotions";
import { createPromotion, editPromotion, withdrawPromotion } from "@/server/promotions/request";
import { decidePromotion } from "@/server/promotions/decide";
import { startPromotion } from "@/server/promotions/start";
import {
  createFreeze,
  deleteFreeze,
  setEnvironmentPolicy,
  setModelReleaseSettings,
} from "@/server/promotions/release-policy";

const target = (i: { requestId: string }) => ({ type: "promotion", id: i.requestId });
const PATHS = ["/promotions", "/"];

export const createPromotionAction = defineAction({
  name: "promotion.request",
  permission: "promotion.request",
  input: createPromotionSchema,
  target: (i) => ({ type: "model", id: i.model }),
  run: ({ actor, meta, input }) => createPromotion(actor, meta, input),
  revalidate: PATHS,
});

export const editPromotionAction = defineAction({
  name: "promotion.edit",
  permission: "promotion.request",
  input: editPromotionSchema,
  target,
  run: ({ actor, meta, input }) => editPromotion(actor, meta, input),
  revalidate: PATHS,
});

export const withdrawPromotionAction = defineAction({
  name: "promotion.withdraw",
  permission: "promotion.request",
  input: promotionRefSchema,
  target,
  run: ({ actor, meta, input }) => withdrawPromotion(actor, meta, input),
  revalidate: PATHS,
});

export const decidePromotionAction = defineAction({
  name: "promotion.decide",
  permission: "promotion.approve",
  input: decidePromotionSchema,
  target,
  run: ({ actor, meta, input }) => decidePromotion(actor, meta, input),
  revalidate: [...PATHS, "/rollouts"],
});

export const startPromotionAction = defineAction({
  name: "promotion.start",
  permission: "promotion.approve",
  input: promotionRefSchema,
  target,
  run: ({ actor, meta, input }) => startPromotion(actor, meta, input),
  revalidate: [...PATHS, "/rollouts"],
});

export const createFreezeAction = defineAction({
  name: "freeze.create",
  permission: "settings.manage",
  input: freezeWindowSchema,
  target: (i) => ({ type: "freeze", id: i.name }),
  run: ({ actor, meta, input }) => createFreeze(actor, meta, input),
  revalidate: ["/admin/release-policy", "/promotions"],
});

export const deleteFreezeAction = defineAction({
  name: "freeze.delete",
  permission: "settings.manage",
  input: deleteFreezeSchema,
  target: (i) => ({ type: "freeze", id: i.freezeId }),
  run: ({ actor, meta, input }) => deleteFreeze(actor, meta, input.freezeId),
  revalidate: ["/admin/release-policy", "/promotions"],
});

export const createRecurringWindowAction = defineAction({
  name: "release_window.create",
  permission: "settings.manage",
  input: recurringWindowSchema,
  target: (i) => ({ type: "release_window", id: i.name }),
  run: ({ actor, meta, input }) => createRecurringWindow(actor, meta, input),
  revalidate: ["/promotions/policy", "/promotions", "/rollouts/new"],
});

export const deleteRecurringWindowAction = defineAction({
  name: "release_window.delete",
  permission: "settings.manage",
  input: deleteRecurringWindowSchema,
  target: (i) => ({ type: "release_window", id: i.windowId }),
  run: ({ actor, meta, input }) => deleteRecurringWindow(actor, meta, input.windowId),
  revalidate: ["/promotions/policy", "/promotions", "/rollouts/new"],
});

export const setEnvironmentPolicyAction = defineAction({
  name: "environment_policy.update",
  permission: "settings.manage",
  input: environmentPolicySchema,
  target: (i) => ({ type: "environment", id: i.environment }),
  run: ({ actor, meta, input }) => setEnvironmentPolicy(actor, meta, input),
  revalidate: ["/admin/release-policy"],
});

export const setModelReleaseSettingsAction = defineAction({
  name: "model_release_settings.update",
  permission: "promotion.approve",
  input: modelReleaseSettingsSchema,
  target: (i) => ({ type: "model", id: i.model }),
  run: ({ actor, meta, input }) => setModelReleaseSettings(actor, meta, input),
  revalidate: ["/promotions"],
});
