export { KubeApiServer } from "./server";
export type { DenyRule, KubeApiServerOptions, RequestMatch, RequestRecord, Verb } from "./server";
export { KubeStore } from "./store";
export type { ListOptions, StoreOptions } from "./store";
export { kubeconfigFor, kubeconfigYaml } from "./kubeconfig";
export type { KubeconfigCluster } from "./kubeconfig";
export { KubeErrors, KubeStatusError } from "./errors";
export type { Status, StatusCause, StatusDetails } from "./errors";
export type { KubeObject, ObjectRef, StoredObject } from "./types";
export {
  attachControllers,
  pauseDurationSeconds,
  podTemplateHash,
  stepsHash,
  POD_TEMPLATE_HASH_LABEL,
  ROLLOUT_REVISION_ANNOTATION,
  SCALE_DOWN_DEADLINE_ANNOTATION,
} from "./controllers";
export type { ControllerError, ControllerOptions, KubeControllers } from "./controllers";
export { registryArtifacts, startTestClusters } from "./clusters";
export type { TestClusters } from "./clusters";
