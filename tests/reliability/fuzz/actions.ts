// The input schema of every server action (src/actions/*.ts), by exported name. Action modules
// are "use server" files that import server-only code, so the fuzz scenario, which runs outside
// Next.js, reads their schemas here; tests/unit/reliability/fuzz-schemas.test.ts fails when an
// action is added without an entry, or its `input:` names another schema.
import { z } from "zod";
import { startChaosSchema, stopChaosSchema } from "@/lib/schemas/chaos";
import { drainCommandSchema, startDrainSchema } from "@/lib/schemas/traffic";
import { configFormSchema } from "@/lib/schemas/config";
import {
  actOnChangeSchema,
  addIncidentNoteSchema,
  assignIncidentRolesSchema,
  declareIncidentSchema,
  transitionIncidentSchema,
} from "@/lib/schemas/incidents";
import { savePostmortemSchema } from "@/lib/domain/incidents/postmortem-edit";
import {
  createPromotionSchema,
  decidePromotionSchema,
  deleteFreezeSchema,
  deleteRecurringWindowSchema,
  recurringWindowSchema,
  editPromotionSchema,
  environmentPolicySchema,
  freezeWindowSchema,
  modelReleaseSettingsSchema,
  promotionRefSchema,
} from "@/lib/schemas/promotions";
import {
  retryRolloutSchema,
  rollbackSchema,
  rolloutCommandSchema,
  startRolloutSchema,
} from "@/lib/schemas/rollouts";
import { sloSpecSchema } from "@/lib/domain/slos/spec";
import {
  setBudgetPolicySchema,
  sloImportSchema,
  sloOverrideReasonSchema,
  sloVersionSchema,
} from "@/lib/schemas/slos";
import { createTokenSchema, reownTokenSchema, revokeTokenSchema } from "@/lib/schemas/tokens";
import { addLinkSchema, removeLinkSchema } from "@/lib/schemas/links";
import { timeZonePreferenceSchema } from "@/lib/schemas/preferences";
import {
  addSubscriptionSchema,
  createChannelSchema,
  deleteChannelSchema,
  redeliverSchema,
  removeSubscriptionSchema,
  setChannelEnabledSchema,
} from "@/lib/schemas/notifications";
import { resumeTrainingSchema } from "@/lib/schemas/training";
import { createUserSchema, setUserDisabledSchema, updateUserSchema } from "@/lib/schemas/users";

export interface ActionInput {
  /** the file under src/actions that exports it */
  file: string;
  /** the name of the schema its `input:` gives, or "inline" for a schema written in place */
  schemaName: string;
  schema: z.ZodType;
}

const entry = (file: string, schemaName: string, schema: z.ZodType): ActionInput => ({
  file,
  schemaName,
  schema,
});

export const ACTION_INPUTS: Record<string, ActionInput> = {
  startChaosAction: entry("chaos", "startChaosSchema", startChaosSchema),
  stopChaosAction: entry("chaos", "stopChaosSchema", stopChaosSchema),
  startDrainAction: entry("traffic", "startDrainSchema", startDrainSchema),
  drainCommandAction: entry("traffic", "drainCommandSchema", drainCommandSchema),
  previewConfigAction: entry("config", "configFormSchema", configFormSchema),
  applyConfigAction: entry("config", "configFormSchema", configFormSchema),
  declareIncidentAction: entry("incidents", "declareIncidentSchema", declareIncidentSchema),
  transitionIncidentAction: entry(
    "incidents",
    "transitionIncidentSchema",
    transitionIncidentSchema,
  ),
  assignIncidentRolesAction: entry(
    "incidents",
    "assignIncidentRolesSchema",
    assignIncidentRolesSchema,
  ),
  addIncidentNoteAction: entry("incidents", "addIncidentNoteSchema", addIncidentNoteSchema),
  actOnIncidentChangeAction: entry("incidents", "actOnChangeSchema", actOnChangeSchema),
  savePostmortemAction: entry("postmortems", "savePostmortemSchema", savePostmortemSchema),
  createPromotionAction: entry("promotions", "createPromotionSchema", createPromotionSchema),
  editPromotionAction: entry("promotions", "editPromotionSchema", editPromotionSchema),
  withdrawPromotionAction: entry("promotions", "promotionRefSchema", promotionRefSchema),
  decidePromotionAction: entry("promotions", "decidePromotionSchema", decidePromotionSchema),
  startPromotionAction: entry("promotions", "promotionRefSchema", promotionRefSchema),
  createFreezeAction: entry("promotions", "freezeWindowSchema", freezeWindowSchema),
  deleteFreezeAction: entry("promotions", "deleteFreezeSchema", deleteFreezeSchema),
  createRecurringWindowAction: entry("promotions", "recurringWindowSchema", recurringWindowSchema),
  deleteRecurringWindowAction: entry(
    "promotions",
    "deleteRecurringWindowSchema",
    deleteRecurringWindowSchema,
  ),
  setEnvironmentPolicyAction: entry(
    "promotions",
    "environmentPolicySchema",
    environmentPolicySchema,
  ),
  setModelReleaseSettingsAction: entry(
    "promotions",
    "modelReleaseSettingsSchema",
    modelReleaseSettingsSchema,
  ),
  startRolloutAction: entry("rollouts", "startRolloutSchema", startRolloutSchema),
  pauseRolloutAction: entry("rollouts", "rolloutCommandSchema", rolloutCommandSchema),
  resumeRolloutAction: entry("rollouts", "rolloutCommandSchema", rolloutCommandSchema),
  abortRolloutAction: entry("rollouts", "rolloutCommandSchema", rolloutCommandSchema),
  promoteRolloutAction: entry("rollouts", "rolloutCommandSchema", rolloutCommandSchema),
  promoteFullRolloutAction: entry("rollouts", "rolloutCommandSchema", rolloutCommandSchema),
  retryRolloutAction: entry("rollouts", "retryRolloutSchema", retryRolloutSchema),
  rollBackDeploymentAction: entry("rollouts", "rollbackSchema", rollbackSchema),
  createSloAction: entry("slos", "sloSpecSchema", sloSpecSchema),
  // The two inline schemas of src/actions/slos.ts, as written there.
  updateSloAction: entry(
    "slos",
    "inline",
    z.object({
      version: sloVersionSchema,
      spec: sloSpecSchema,
      overrideReason: sloOverrideReasonSchema,
    }),
  ),
  deleteSloAction: entry(
    "slos",
    "inline",
    z.object({
      name: z.string().min(1).max(63),
      version: sloVersionSchema,
      overrideReason: sloOverrideReasonSchema,
    }),
  ),
  importSlosAction: entry("slos", "sloImportSchema", sloImportSchema),
  setBudgetPolicyAction: entry("slos", "setBudgetPolicySchema", setBudgetPolicySchema),
  createChannelAction: entry("notifications", "createChannelSchema", createChannelSchema),
  setChannelEnabledAction: entry(
    "notifications",
    "setChannelEnabledSchema",
    setChannelEnabledSchema,
  ),
  deleteChannelAction: entry("notifications", "deleteChannelSchema", deleteChannelSchema),
  addSubscriptionAction: entry("notifications", "addSubscriptionSchema", addSubscriptionSchema),
  removeSubscriptionAction: entry(
    "notifications",
    "removeSubscriptionSchema",
    removeSubscriptionSchema,
  ),
  redeliverAction: entry("notifications", "redeliverSchema", redeliverSchema),
  addLinkAction: entry("links", "addLinkSchema", addLinkSchema),
  setTimeZoneAction: entry("preferences", "timeZonePreferenceSchema", timeZonePreferenceSchema),
  removeLinkAction: entry("links", "removeLinkSchema", removeLinkSchema),
  createTokenAction: entry("tokens", "createTokenSchema", createTokenSchema),
  revokeTokenAction: entry("tokens", "revokeTokenSchema", revokeTokenSchema),
  reownTokenAction: entry("tokens", "reownTokenSchema", reownTokenSchema),
  resumeTrainingAction: entry("training", "resumeTrainingSchema", resumeTrainingSchema),
  createUserAction: entry("users", "createUserSchema", createUserSchema),
  updateUserAction: entry("users", "updateUserSchema", updateUserSchema),
  setUserDisabledAction: entry("users", "setUserDisabledSchema", setUserDisabledSchema),
};
