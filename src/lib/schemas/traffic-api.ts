import { drainCommandSchema } from "./traffic";

/**
 * `POST /api/v1/drains/{id}`: the drain command of the Regions page's server action, with the
 * drain's id taken from the path instead of the body.
 */
export const drainCommandBodySchema = drainCommandSchema.omit({ drainId: true });

/** A drain's id in a path, as the command's `drainId` is checked. */
export const drainIdSchema = drainCommandSchema.shape.drainId;
