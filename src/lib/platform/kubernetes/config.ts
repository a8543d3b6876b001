/**
 * Which clusters to read: every context of the kubeconfig (`KUBECONFIG`, one or several files,
 * as kubectl merges them), or those listed in `FLIGHTDECK_CLUSTERS`; plus the cluster Flightdeck
 * runs in, through its service account, when it runs in a pod. Each cluster is named after its
 * context (the in-cluster one `FLIGHTDECK_IN_CLUSTER_NAME`, default `in-cluster`).
 */
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { contextConfig } from "./client";

export interface ClusterConnectionConfig {
  name: string;
  kubeConfig: KubeConfig;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

type Env = Record<string, string | undefined>;

/** Several kubeconfig files merged as kubectl merges them: the first file to name an entry wins. */
function loadKubeconfigs(files: string[]): KubeConfig {
  const merged = new KubeConfig();
  const clusters = new Map<string, ReturnType<KubeConfig["getClusters"]>[number]>();
  const users = new Map<string, ReturnType<KubeConfig["getUsers"]>[number]>();
  const contexts = new Map<string, ReturnType<KubeConfig["getContexts"]>[number]>();
  let current = "";
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`KUBECONFIG names ${file}, which does not exist`);
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (error) {
      throw new Error(
        `KUBECONFIG file ${file} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    current ||= kc.getCurrentContext();
  }
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext: current,
  });
  return merged;
}

/** The clusters to read, or an error saying what to set. */
export function clustersFromEnvironment(env: Env = process.env): ClusterConnectionConfig[] {
  const clusters: ClusterConnectionConfig[] = [];
  if (env.KUBECONFIG) {
    const kc = loadKubeconfigs(env.KUBECONFIG.split(":").filter(Boolean));
    const available = kc.getContexts().map((c) => c.name);
    const wanted = (env.FLIGHTDECK_CLUSTERS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = wanted.filter((w) => !available.includes(w));
    if (unknown.length > 0) {
      throw new Error(
        `FLIGHTDECK_CLUSTERS names ${unknown.join(", ")}, not in the kubeconfig (its contexts: ${available.join(", ") || "none"})`,
      );
    }
    for (const name of wanted.length > 0 ? wanted : available) {
      clusters.push({ name, kubeConfig: contextConfig(kc, name) });
    }
  }
  const inCluster = env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN);
  if (inCluster && env.FLIGHTDECK_IN_CLUSTER !== "0") {
    const kc = new KubeConfig();
    kc.loadFromCluster();
    const name = env.FLIGHTDECK_IN_CLUSTER_NAME || "in-cluster";
    if (!clusters.some((c) => c.name === name)) clusters.push({ name, kubeConfig: kc });
  }
  if (clusters.length === 0) {
    throw new Error(
      "FLIGHTDECK_PLATFORM=kubernetes needs clusters: set KUBECONFIG to a kubeconfig with a context per cluster (FLIGHTDECK_CLUSTERS picks some), or run Flightdeck in a cluster with a service account",
    );
  }
  return clusters;
}
