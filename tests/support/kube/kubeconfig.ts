/**
 * Kubeconfig files for test clusters: one context per cluster (the context name is the cluster
 * name Flightdeck shows), bearer tokens, and the server's URL: plain http with
 * `insecure-skip-tls-verify: true` (@kubernetes/client-node refuses http servers without it), or
 * https with the test certificate as `certificate-authority-data` for servers started with tls.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import type { KubeApiServer } from "./server";

export interface KubeconfigCluster {
  /** the context (and cluster and user) name */
  name: string;
  /** the server, or its URL */
  server: KubeApiServer | string;
  /** the bearer token (default: the server's own token; required with a URL) */
  token?: string;
  /** the context's default namespace */
  namespace?: string;
}

export function kubeconfigYaml(
  clusters: KubeconfigCluster[],
  options: { currentContext?: string } = {},
): string {
  const entries = clusters.map((c) => {
    const url = typeof c.server === "string" ? c.server : c.server.url;
    const token = c.token ?? (typeof c.server === "string" ? undefined : c.server.token);
    if (!token) throw new Error(`kubeconfig: no token for ${c.name}`);
    const ca = typeof c.server === "string" ? null : c.server.certificateAuthority;
    return { ...c, url, token, ca };
  });
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: entries.map((c) => ({
      name: c.name,
      cluster: {
        server: c.url,
        ...(c.ca
          ? { "certificate-authority-data": Buffer.from(c.ca).toString("base64") }
          : c.url.startsWith("http:")
            ? { "insecure-skip-tls-verify": true }
            : {}),
      },
    })),
    users: entries.map((c) => ({ name: c.name, user: { token: c.token } })),
    contexts: entries.map((c) => ({
      name: c.name,
      context: {
        cluster: c.name,
        user: c.name,
        ...(c.namespace ? { namespace: c.namespace } : {}),
      },
    })),
    "current-context": options.currentContext ?? entries[0]?.name ?? "",
  });
}

/** Writes a kubeconfig for the clusters to a new temporary file and returns its path. */
export function kubeconfigFor(
  clusters: KubeconfigCluster[],
  options: { currentContext?: string; dir?: string } = {},
): string {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), "flightdeck-kubeconfig-"));
  const file = path.join(dir, "kubeconfig.yaml");
  writeFileSync(file, kubeconfigYaml(clusters, options), { mode: 0o600 });
  return file;
}
