/**
 * The names fleet objects are known by: they key the fleet configuration file, URLs and the
 * platform's labels, so they keep to the characters all of those accept.
 */

/**
 * A cloud region's code, in any cloud's naming: AWS `us-east-1` and `ap-southeast-1`, Google
 * Cloud `europe-west4`, Azure `eastus` and `westeurope`, Oracle `us-ashburn-1`. Lower-case
 * letters and digits in words joined by single dashes, starting with a letter.
 */
export const REGION_CODE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Model (and SLO) names, as the lists' filters and the API accept them. */
export const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,99}$/;

/** A team's slug: lower-case words joined by dashes. */
export const TEAM_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A cluster's name: on real fleets, its kubeconfig context's (`gke_project_zone_name`,
 * `arn:aws:eks:…:cluster/name`), so more than a DNS label; no spaces.
 */
export const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;

/** Node pools and providers come from Kubernetes labels: a label value's characters. */
export const LABEL_VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** GPU families (the platform's GPU_TYPES and the database's GpuType); `other` for a product Flightdeck does not know. */
export const GPU_TYPE_NAMES = [
  "H200",
  "H100",
  "B200",
  "A100",
  "L40S",
  "L4",
  "A10G",
  "T4",
  "other",
] as const;
export type GpuTypeName = (typeof GPU_TYPE_NAMES)[number];
