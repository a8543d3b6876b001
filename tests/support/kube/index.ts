export { KubeApiServer } from "./server";
export type { DenyRule, KubeApiServerOptions, RequestMatch, RequestRecord, Verb } from "./server";
export { KubeStore } from "./store";
export type { ListOptions, StoreOptions } from "./store";
export { kubeconfigFor, kubeconfigYaml } from "./kubeconfig";
export type { KubeconfigCluster } from "./kubeconfig";
export { KubeErrors, KubeStatusError } from "./errors";
export type { Status, StatusCause, StatusDetails } from "./errors";
export type { KubeObject, ObjectRef, StoredObject } from "./types";
