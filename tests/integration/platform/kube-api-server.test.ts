// The Kubernetes API test server (tests/support/kube) speaks Kubernetes: the real kubectl
// (KUBECTL_BIN, else the one on PATH; scripts/ensure-kubectl.sh installs Debian's) lists, watches,
// patches and creates against it with a generated kubeconfig, and direct HTTP requests check the
// protocol details an adapter relies on: pagination and expired continue tokens, watch replay,
// bookmarks and 410s, the patch formats, the status subresource, preconditions, Status bodies of
// errors, every fault on demand, and the fleet builders' figures.
//
// No fixed sleeps: tests wait on the events they expect (a watch line, an open watch, a request),
// and the bookmark interval is a few milliseconds.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  GPU,
  scaleCluster,
  twoClusterFleet,
  type TwoClusterFleet,
} from "../../support/kube/fleet-objects";
import { KubeApiServer, kubeconfigFor, type Status } from "../../support/kube";
import type { KubeObject, StoredObject } from "../../support/kube/types";

const KUBECTL = process.env.KUBECTL_BIN ?? "kubectl";
const READER = "system:serviceaccount:flightdeck:reader";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-kube-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers

type Json = Record<string, unknown>;

function rec(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

/** A request to a test server with its token; the body parsed as JSON when it is. */
async function call(
  server: KubeApiServer,
  pathAndQuery: string,
  init: {
    method?: string;
    body?: unknown;
    contentType?: string;
    token?: string | null;
    accept?: string;
  } = {},
): Promise<{ status: number; headers: Headers; body: Json; text: string }> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.Authorization = `Bearer ${init.token ?? server.token}`;
  if (init.body !== undefined) headers["Content-Type"] = init.contentType ?? "application/json";
  if (init.accept) headers.Accept = init.accept;
  const res = await fetch(`${server.url}${pathAndQuery}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.body !== undefined
      ? { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }
      : {}),
  });
  const text = await res.text();
  let body: Json = {};
  try {
    body = rec(JSON.parse(text));
  } catch {
    body = {};
  }
  return { status: res.status, headers: res.headers, body, text };
}

interface WatchEvent {
  type: string;
  object: Json;
}

/** An open watch stream: its events as they come, and a way to wait for the one you expect. */
class WatchStream {
  readonly events: WatchEvent[] = [];
  ended = false;
  private waiters: (() => void)[] = [];
  private readonly controller = new AbortController();

  static async open(server: KubeApiServer, pathAndQuery: string): Promise<WatchStream> {
    const w = new WatchStream();
    const res = await fetch(`${server.url}${pathAndQuery}`, {
      headers: { Authorization: `Bearer ${server.token}` },
      signal: w.controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    void w.pump(reader);
    return w;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.trim()) this.events.push(JSON.parse(line) as WatchEvent);
          this.notify();
        }
      }
    } catch {
      // aborted or reset: the stream is over
    }
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits until `check` holds for the events so far (or the stream ended). */
  async until(
    check: (events: WatchEvent[]) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.events)) {
      if (this.ended)
        throw new Error(
          `watch ended before ${what}: ${JSON.stringify(this.events.map((e) => e.type))}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async untilEnded(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.ended, "the end of the stream", timeoutMs).catch((e: unknown) => {
      if (!this.ended) throw e;
    });
  }

  close(): void {
    this.controller.abort();
  }
}

const names = (events: WatchEvent[]) =>
  events.map((e) => `${e.type} ${String(rec(e.object.metadata).name)}`);

function statusBody(body: Json): Status {
  expect(body.kind).toBe("Status");
  expect(body.apiVersion).toBe("v1");
  return body as unknown as Status;
}

function rolloutRef(namespace: string, name: string) {
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", namespace, name };
}

// ---------------------------------------------------------------------------------------------
// kubectl

describe("kubectl against the test API server", () => {
  let server: KubeApiServer;
  let fleet: TwoClusterFleet;
  let kubeconfig: string;
  let cacheDir: string;
  const cluster = () => fleet.clusters[0] as TwoClusterFleet["clusters"][number];

  function kubectl(
    args: string[],
    options: { kubeconfig?: string; input?: string } = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        KUBECTL,
        [
          "--kubeconfig",
          options.kubeconfig ?? kubeconfig,
          "--cache-dir",
          cacheDir,
          "--request-timeout=20s",
          ...args,
        ],
        { timeout: 30_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  beforeAll(async () => {
    // kubectl sends a kubeconfig's token only over https: this server serves TLS.
    server = await KubeApiServer.start({ tls: true, bookmarkIntervalMs: 50 });
    fleet = twoClusterFleet();
    server.store.load(cluster().objects);
    kubeconfig = kubeconfigFor([{ name: cluster().name, server }], { dir: tempDir() });
    cacheDir = tempDir();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("kubectl get nodes prints the nodes as a table, NotReady and cordoned ones as such", async () => {
    const { code, stdout, stderr } = await kubectl(["get", "nodes"]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    const nodes = cluster().objects.filter((o) => o.kind === "Node");
    expect(lines).toHaveLength(nodes.length + 1);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? "";
    for (const n of nodes) expect(row(n.metadata.name ?? "")).toMatch(/v1\.30\.4-gke/);
    const notReady = fleet.expected.pools[0]?.unhealthy[0]?.name ?? "";
    const cordoned = fleet.expected.pools[1]?.unhealthy[0]?.name ?? "";
    expect(row(notReady)).toMatch(/\sNotReady\s/);
    expect(row(cordoned)).toMatch(/\sReady,SchedulingDisabled\s/);
    // It asked for the server's table, and the OpenAPI document it may look for is absent.
    const list = server.requestsMatching({ verb: "list", resource: "nodes" }).at(-1);
    expect(list?.query.limit).toBe("500");
  });

  it("kubectl get rollouts.argoproj.io -o json returns the stored Rollouts", async () => {
    const { code, stdout } = await kubectl([
      "get",
      "rollouts.argoproj.io",
      "-n",
      "search-serving",
      "-o",
      "json",
    ]);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { kind: string; items: StoredObject[] };
    expect(list.kind).toBe("List");
    const stored = server.store.list("argoproj.io/v1alpha1", "Rollout", {
      namespace: "search-serving",
    });
    expect(list.items).toEqual(stored);
    const weights = rec(rec(rec(list.items[0]?.status).canary).weights);
    expect(rec(weights.canary).weight).toBe(20);
    expect(rec(weights.stable).weight).toBe(80);
  });

  it("kubectl resolves the short names ro and isvc, and prints the CRDs' printer columns", async () => {
    const ro = await kubectl(["get", "ro", "-n", "search-serving"]);
    expect(ro.code).toBe(0);
    expect(ro.stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(ro.stdout).toMatch(/ranker-xl\s+5\s+6\s+1\s+6\s/);
    const isvc = await kubectl(["get", "isvc", "-n", "risk-serving"]);
    expect(isvc.code).toBe(0);
    expect(isvc.stdout).toMatch(
      /^NAME\s+URL\s+READY\s+PREV\s+LATEST\s+PREVROLLEDOUTREVISION\s+LATESTREADYREVISION\s+AGE/,
    );
    expect(isvc.stdout).toMatch(
      /fraud-scorer\s+http:\S+\s+True\s+90\s+10\s+fraud-scorer-predictor-00002\s+fraud-scorer-predictor-00003/,
    );
  });

  it("kubectl get -w prints the changes made while it watches", async () => {
    const child = spawn(
      KUBECTL,
      [
        "--kubeconfig",
        kubeconfig,
        "--cache-dir",
        cacheDir,
        "get",
        "rollouts.argoproj.io",
        "-n",
        "search-serving",
        "-w",
        "-o",
        'jsonpath={.metadata.name} {.spec.replicas} {.status.phase}{"\\n"}',
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    const waiters: (() => void)[] = [];
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) w();
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const lines = () => out.split("\n").filter(Boolean);
    const waitForLine = async (expected: string) => {
      const deadline = Date.now() + 20_000;
      while (!lines().includes(expected)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(
            `kubectl -w never printed "${expected}": ${JSON.stringify(lines())} ${err}`,
          );
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    };
    try {
      await waitForLine("ranker-xl 5 Paused");
      await server.waitForWatch({ resource: "rollouts", namespace: "search-serving" }, 20_000);
      server.store.patch(rolloutRef("search-serving", "ranker-xl"), { spec: { replicas: 7 } });
      await waitForLine("ranker-xl 7 Paused");
      server.store.patchStatus(rolloutRef("search-serving", "ranker-xl"), { phase: "Progressing" });
      await waitForLine("ranker-xl 7 Progressing");
      const copy = structuredClone(
        fleet.clusters[0]?.objects.find((o) => o.kind === "Rollout"),
      ) as KubeObject;
      copy.metadata = {
        name: "ranker-xl-shadow",
        namespace: "search-serving",
        labels: copy.metadata.labels ?? {},
      };
      server.store.apply(copy);
      await waitForLine("ranker-xl-shadow 5 Paused");
    } finally {
      child.kill();
    }
    const watch = server.requestsMatching({ verb: "watch", resource: "rollouts" }).at(-1);
    expect(watch?.query.resourceVersion).toMatch(/^\d+$/);
  });

  it("kubectl patch with a stale resourceVersion is refused as a conflict", async () => {
    const before = server.store.get(rolloutRef("search-serving", "ranker-xl"));
    const stale = before?.metadata.resourceVersion ?? "";
    server.store.patchStatus(rolloutRef("search-serving", "ranker-xl"), { readyReplicas: 5 });
    const { code, stderr } = await kubectl([
      "patch",
      "rollout",
      "ranker-xl",
      "-n",
      "search-serving",
      "--type",
      "merge",
      "-p",
      JSON.stringify({ metadata: { resourceVersion: stale }, spec: { replicas: 9 } }),
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toContain(
      'Error from server (Conflict): Operation cannot be fulfilled on rollouts.argoproj.io "ranker-xl": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(server.store.get(rolloutRef("search-serving", "ranker-xl"))?.spec).toMatchObject({
      replicas: 7,
    });

    // Without the precondition the same patch goes through and bumps the generation.
    const ok = await kubectl([
      "patch",
      "rollout",
      "ranker-xl",
      "-n",
      "search-serving",
      "--type",
      "merge",
      "-p",
      '{"spec":{"replicas":9}}',
    ]);
    expect(ok.code).toBe(0);
    const after = server.store.get(rolloutRef("search-serving", "ranker-xl"));
    expect(after?.spec).toMatchObject({ replicas: 9 });
    expect(after?.metadata.generation).toBe((before?.metadata.generation ?? 0) + 1);
  });

  it("a Rollout that violates the CRD schema is refused with 422 and the fields at fault", async () => {
    const file = path.join(tempDir(), "bad-rollout.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Rollout",
        "metadata: {name: bad-rollout, namespace: search-serving}",
        "spec:",
        '  replicas: "three"',
        "  selector: {matchLabels: {app: bad}}",
        "  template:",
        "    metadata: {labels: {app: bad}}",
        "    spec: {containers: [{name: server, image: registry.example.com/bad:1}]}",
        "  strategy: {canary: {steps: [{setWeight: twenty}]}}",
        "",
      ].join("\n"),
    );
    // The server has no OpenAPI document, so kubectl's own client-side validation is off.
    for (const verb of ["create", "apply"]) {
      const { code, stderr } = await kubectl([verb, "--validate=false", "-f", file]);
      expect(code).not.toBe(0);
      expect(stderr).toContain('The Rollout "bad-rollout" is invalid');
      expect(stderr).toContain(
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      );
      expect(stderr).toContain("spec.strategy.canary.steps[0].setWeight");
      expect(server.requestsMatching({ verb: "create", resource: "rollouts" }).at(-1)?.status).toBe(
        422,
      );
    }
    expect(server.store.get(rolloutRef("search-serving", "bad-rollout"))).toBeUndefined();
  });

  it("kubectl reports 403 with the API server's message and 401 for a wrong token", async () => {
    server.setDenyRules([{ resource: "nodes", verbs: ["list"] }]);
    try {
      const denied = await kubectl(["get", "nodes"]);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain(
        `nodes is forbidden: User "${READER}" cannot list resource "nodes" in API group "" at the cluster scope`,
      );
    } finally {
      server.setDenyRules([]);
    }
    const wrong = kubeconfigFor([{ name: "wrong", server, token: "not-the-token" }], {
      dir: tempDir(),
    });
    const unauthorized = await kubectl(["get", "nodes"], { kubeconfig: wrong });
    expect(unauthorized.code).not.toBe(0);
    expect(unauthorized.stderr).toMatch(/Unauthorized|provide credentials/);
  });
});

// ---------------------------------------------------------------------------------------------
// The protocol over HTTP

describe("the protocol", () => {
  let server: KubeApiServer;
  let fleet: TwoClusterFleet;
  const eks = () => fleet.clusters[1] as TwoClusterFleet["clusters"][number];

  beforeAll(async () => {
    server = await KubeApiServer.start({ bookmarkIntervalMs: 20 });
    fleet = twoClusterFleet();
    server.store.load(eks().objects);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("answers discovery like kube-apiserver, and 404 for the OpenAPI document", async () => {
    const version = await call(server, "/version");
    expect(version.body).toMatchObject({ major: "1", minor: "30", gitVersion: "v1.30.4" });
    expect((await call(server, "/api")).body).toMatchObject({
      kind: "APIVersions",
      versions: ["v1"],
    });
    const groups = (await call(server, "/apis")).body;
    expect(groups.kind).toBe("APIGroupList");
    expect((groups.groups as Json[]).map((g) => g.name)).toEqual([
      "apps",
      "autoscaling",
      "argoproj.io",
      "serving.kserve.io",
    ]);
    const core = (await call(server, "/api/v1")).body;
    const coreNames = (core.resources as Json[]).map((r) => r.name);
    expect(coreNames).toEqual(
      expect.arrayContaining(["namespaces", "nodes", "pods", "pods/status", "resourcequotas"]),
    );
    const argo = (await call(server, "/apis/argoproj.io/v1alpha1")).body;
    expect(argo).toMatchObject({ kind: "APIResourceList", groupVersion: "argoproj.io/v1alpha1" });
    expect((argo.resources as Json[])[0]).toMatchObject({
      name: "rollouts",
      namespaced: true,
      kind: "Rollout",
      shortNames: ["ro"],
    });
    expect((argo.resources as Json[])[1]).toMatchObject({
      name: "rollouts/status",
      verbs: ["get", "patch", "update"],
    });
    const kserve = (await call(server, "/apis/serving.kserve.io/v1beta1")).body;
    expect((kserve.resources as Json[])[0]).toMatchObject({
      name: "inferenceservices",
      shortNames: ["isvc"],
    });
    const hpa = (await call(server, "/apis/autoscaling/v2")).body;
    expect((hpa.resources as Json[])[0]).toMatchObject({
      name: "horizontalpodautoscalers",
      shortNames: ["hpa"],
    });
    const openapi = await call(server, "/openapi/v2");
    expect(openapi.status).toBe(404);
    expect((await call(server, "/apis/nosuch.example.com/v1")).status).toBe(404);
  });

  it("lists with label selectors: =, ==, !=, in, notin, exists and !key", async () => {
    const podNames = async (selector: string) => {
      const r = await call(server, `/api/v1/pods?labelSelector=${encodeURIComponent(selector)}`);
      expect(r.status).toBe(200);
      return (r.body.items as Json[]).map((p) => String(rec(p.metadata).name)).sort();
    };
    const ranker = (await podNames("flightdeck.dev/model=ranker-xl")).length;
    expect(ranker).toBe(4);
    expect(await podNames("flightdeck.dev/model==ranker-xl")).toHaveLength(4);
    expect(await podNames("job-name in (eval-runner,nothing)")).toEqual(["eval-runner-7xk2p"]);
    expect(await podNames("flightdeck.dev/model notin (ranker-xl)")).toEqual([
      "eval-runner-7xk2p",
      "llm-pretrain-worker-0",
    ]);
    expect(await podNames("flightdeck.dev/model!=ranker-xl")).toHaveLength(2);
    expect(await podNames("training.kubeflow.org/job-name")).toEqual(["llm-pretrain-worker-0"]);
    expect(await podNames("!flightdeck.dev/model,!job-name")).toEqual(["llm-pretrain-worker-0"]);
    expect(
      await podNames("flightdeck.dev/model=ranker-xl, flightdeck.dev/version in (2.1.0)"),
    ).toHaveLength(4);
    const bad = await call(server, `/api/v1/pods?labelSelector=${encodeURIComponent("a in b")}`);
    expect(bad.status).toBe(400);
    expect(statusBody(bad.body).reason).toBe("BadRequest");
  });

  it("lists with field selectors on metadata.name, metadata.namespace, spec.nodeName and status.phase", async () => {
    const a4 = "ip-10-20-9-58.eu-west-1.compute.internal";
    const onNode = await call(server, `/api/v1/pods?fieldSelector=spec.nodeName=${a4}`);
    expect((onNode.body.items as Json[]).map((p) => rec(p.metadata).name)).toEqual([
      "llm-pretrain-worker-0",
    ]);
    const running = await call(
      server,
      "/api/v1/namespaces/ml-training/pods?fieldSelector=status.phase%3DRunning,metadata.name!%3Deval-runner-7xk2p",
    );
    expect((running.body.items as Json[]).map((p) => rec(p.metadata).name)).toEqual([
      "llm-pretrain-worker-0",
    ]);
    const byName = await call(
      server,
      "/apis/argoproj.io/v1alpha1/rollouts?fieldSelector=metadata.namespace%3Dsearch-serving,metadata.name%3Dranker-xl",
    );
    expect(byName.body.items as Json[]).toHaveLength(1);
    const unsupported = await call(server, "/api/v1/pods?fieldSelector=spec.priority%3D0");
    expect(unsupported.status).toBe(400);
    expect(statusBody(unsupported.body).message).toBe("field label not supported: spec.priority");
  });

  it("pages a list with limit and continue, consistently at the first page's resource version", async () => {
    const first = await call(server, "/api/v1/pods?limit=2");
    const meta = rec(first.body.metadata);
    expect(first.body.items as Json[]).toHaveLength(2);
    expect(meta.remainingItemCount).toBe(4);
    expect(typeof meta.continue).toBe("string");
    // Typed lists' items carry no kind, as the real server's do not.
    expect(rec((first.body.items as Json[])[0]).kind).toBeUndefined();
    // Changes between pages do not show: the list is the one at the first page's version.
    server.store.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "zz-late", namespace: "ml-training" },
      spec: { containers: [{ name: "c", image: "x" }] },
    });
    const all: string[] = (first.body.items as Json[]).map((p) => String(rec(p.metadata).name));
    let token = String(meta.continue);
    const lastOf = server.store.list("v1", "Pod", { namespace: "search-serving" }).at(-1);
    server.store.delete({
      apiVersion: "v1",
      kind: "Pod",
      namespace: "search-serving",
      name: lastOf?.metadata.name ?? "",
    });
    while (token) {
      const page = await call(server, `/api/v1/pods?limit=2&continue=${encodeURIComponent(token)}`);
      expect(page.status).toBe(200);
      expect(rec(page.body.metadata).resourceVersion).toBe(meta.resourceVersion);
      all.push(...(page.body.items as Json[]).map((p) => String(rec(p.metadata).name)));
      token = String(rec(page.body.metadata).continue ?? "");
    }
    expect(all).toHaveLength(6);
    expect(all).not.toContain("zz-late");
    expect(all).toContain(lastOf?.metadata.name);
    // A fresh list sees the changes.
    const now = await call(server, "/api/v1/pods");
    const fresh = (now.body.items as Json[]).map((p) => String(rec(p.metadata).name));
    expect(fresh).toContain("zz-late");
    expect(fresh).not.toContain(lastOf?.metadata.name);
    server.store.delete({
      apiVersion: "v1",
      kind: "Pod",
      namespace: "ml-training",
      name: "zz-late",
    });
    if (lastOf) server.store.apply(lastOf);
  });

  it("answers 410 Expired with a Status for a continue token older than the history", async () => {
    const first = await call(server, "/api/v1/nodes?limit=3");
    const token = String(rec(first.body.metadata).continue);
    server.compact();
    const expired = await call(
      server,
      `/api/v1/nodes?limit=3&continue=${encodeURIComponent(token)}`,
    );
    expect(expired.status).toBe(410);
    const status = statusBody(expired.body);
    expect(status).toMatchObject({ status: "Failure", reason: "Expired", code: 410 });
    expect(status.message).toMatch(
      /^The provided continue parameter is too old to display a consistent list result/,
    );
    // The token in the answer continues the list, inconsistently, as the real one does.
    const rest = await call(
      server,
      `/api/v1/nodes?limit=100&continue=${encodeURIComponent(status.metadata.continue ?? "")}`,
    );
    expect(rest.status).toBe(200);
    expect(rest.body.items as Json[]).toHaveLength(
      eks().objects.filter((o) => o.kind === "Node").length - 3,
    );
  });

  it("replays a watch from a resource version, then streams changes", async () => {
    const ref = rolloutRef("search-serving", "ranker-xl");
    const from = server.store.resourceVersion;
    server.store.patchStatus(ref, { phase: "Progressing" });
    const copy = {
      ...(server.store.get(ref) as KubeObject),
      metadata: { name: "ranker-xl-b", namespace: "search-serving" },
    };
    server.store.apply(copy);
    server.store.delete(rolloutRef("search-serving", "ranker-xl-b"));
    const w = await WatchStream.open(
      server,
      `/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts?watch=1&resourceVersion=${from}`,
    );
    try {
      await w.until((e) => e.length >= 3, "the replayed events");
      expect(names(w.events)).toEqual([
        "MODIFIED ranker-xl",
        "ADDED ranker-xl-b",
        "DELETED ranker-xl-b",
      ]);
      const rvs = w.events.map((e) => Number(rec(e.object.metadata).resourceVersion));
      expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
      expect(rvs[0]).toBeGreaterThan(Number(from));
      // Custom resources in watch events carry kind and apiVersion.
      expect(w.events[0]?.object).toMatchObject({
        kind: "Rollout",
        apiVersion: "argoproj.io/v1alpha1",
      });
      server.store.patchStatus(ref, { phase: "Healthy" });
      await w.until((e) => e.length >= 4, "the live event");
      expect(w.events[3]).toMatchObject({
        type: "MODIFIED",
        object: { status: { phase: "Healthy" } },
      });
    } finally {
      w.close();
    }
  });

  it("starts a watch without a resource version with the current objects as ADDED, and follows selectors", async () => {
    const w = await WatchStream.open(
      server,
      "/api/v1/namespaces/search-serving/pods?watch=true&labelSelector=flightdeck.dev%2Fversion%3D2.1.0",
    );
    try {
      await w.until((e) => e.length >= 4, "the current pods");
      expect(w.events.every((e) => e.type === "ADDED")).toBe(true);
      const pod = w.events[0]?.object as KubeObject;
      const ref = {
        apiVersion: "v1",
        kind: "Pod",
        namespace: "search-serving",
        name: pod.metadata.name ?? "",
      };
      // Relabelled out of the selection: DELETED; back in: ADDED.
      server.store.patch(ref, { metadata: { labels: { "flightdeck.dev/version": "2.2.0" } } });
      await w.until((e) => e.length >= 5, "the pod leaving the selection");
      expect(w.events[4]?.type).toBe("DELETED");
      server.store.patch(ref, { metadata: { labels: { "flightdeck.dev/version": "2.1.0" } } });
      await w.until((e) => e.length >= 6, "the pod coming back");
      expect(w.events[5]?.type).toBe("ADDED");
    } finally {
      w.close();
    }
  });

  it("sends bookmarks that carry only kind, apiVersion and the resource version", async () => {
    const rv = server.store.resourceVersion;
    const w = await WatchStream.open(
      server,
      `/api/v1/nodes?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`,
    );
    try {
      await w.until((e) => e.some((x) => x.type === "BOOKMARK"), "a bookmark");
      const bookmark = w.events.find((x) => x.type === "BOOKMARK");
      expect(bookmark?.object).toEqual({
        kind: "Node",
        apiVersion: "v1",
        metadata: { resourceVersion: rv },
      });
    } finally {
      w.close();
    }
    // Without allowWatchBookmarks none come; the stream ends at timeoutSeconds.
    const quiet = await WatchStream.open(
      server,
      `/api/v1/nodes?watch=1&resourceVersion=${rv}&timeoutSeconds=1`,
    );
    await quiet.untilEnded();
    expect(quiet.events).toEqual([]);
  });

  it("answers a watch from a compacted resource version with an ERROR event carrying 410", async () => {
    const old = server.store.resourceVersion;
    server.store.patchStatus(rolloutRef("search-serving", "ranker-xl"), { phase: "Degraded" });
    server.compact();
    const w = await WatchStream.open(
      server,
      `/apis/argoproj.io/v1alpha1/rollouts?watch=1&resourceVersion=${old}`,
    );
    await w.untilEnded();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe("ERROR");
    expect(w.events[0]?.object).toMatchObject({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "Expired",
      code: 410,
    });
    expect(String(w.events[0]?.object.message)).toMatch(
      new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`),
    );
  });

  it("applies JSON patches and merge patches, and refuses a JSON patch whose test fails", async () => {
    const url = "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts/ranker-xl";
    const json = await call(server, url, {
      method: "PATCH",
      contentType: "application/json-patch+json",
      body: [
        { op: "test", path: "/spec/replicas", value: 4 },
        { op: "replace", path: "/spec/replicas", value: 5 },
        { op: "add", path: "/metadata/labels/tier", value: "gold" },
      ],
    });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      spec: { replicas: 5 },
      metadata: { labels: { tier: "gold" } },
    });
    const failed = await call(server, url, {
      method: "PATCH",
      contentType: "application/json-patch+json",
      body: [{ op: "test", path: "/spec/replicas", value: 4 }],
    });
    expect(failed.status).toBe(422);
    expect(statusBody(failed.body)).toMatchObject({
      reason: "Invalid",
      code: 422,
      details: { causes: [{ message: "testing value /spec/replicas failed: test failed" }] },
    });
    const merge = await call(server, url, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { metadata: { labels: { tier: null } }, spec: { paused: true } },
    });
    expect(merge.status).toBe(200);
    expect(rec(rec(merge.body.metadata).labels).tier).toBeUndefined();
    expect(rec(merge.body.spec).paused).toBe(true);
    // Strategic merge patch: lists of containers merge by name on built-in kinds…
    const rs = server.store.list("apps/v1", "ReplicaSet", {
      namespace: "search-serving",
    })[0] as StoredObject;
    const smp = await call(
      server,
      `/apis/apps/v1/namespaces/search-serving/replicasets/${rs.metadata.name}`,
      {
        method: "PATCH",
        contentType: "application/strategic-merge-patch+json",
        body: {
          spec: { template: { spec: { containers: [{ name: "sidecar", image: "envoy:1.31" }] } } },
        },
      },
    );
    expect(smp.status).toBe(200);
    const containers = rec(rec(rec(smp.body.spec).template).spec).containers as Json[];
    expect(containers.map((c) => c.name)).toEqual(["server", "sidecar"]);
    // …and are refused on custom resources, as the real server does.
    const crSmp = await call(server, url, {
      method: "PATCH",
      contentType: "application/strategic-merge-patch+json",
      body: { spec: { paused: false } },
    });
    expect(crSmp.status).toBe(415);
    expect(statusBody(crSmp.body)).toMatchObject({
      reason: "UnsupportedMediaType",
      message:
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json",
    });
  });

  it("keeps status and spec apart: the object ignores status, /status changes only status", async () => {
    const url = "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts/ranker-xl";
    const before = (await call(server, url)).body as unknown as StoredObject;
    const generation = before.metadata.generation ?? 0;
    const main = await call(server, url, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { spec: { replicas: 6 }, status: { phase: "Hacked" } },
    });
    expect(rec(main.body.status).phase).toBe(rec(before.status).phase);
    expect(rec(main.body.metadata).generation).toBe(generation + 1);
    const status = await call(server, `${url}/status`, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { spec: { replicas: 1 }, status: { phase: "Paused", currentStepIndex: 3 } },
    });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      spec: { replicas: 6 },
      status: { phase: "Paused", currentStepIndex: 3 },
    });
    expect(rec(status.body.metadata).generation).toBe(generation + 1);
    // A PUT of the whole object carrying a status keeps the stored status too.
    const current = status.body as unknown as StoredObject;
    const put = await call(server, url, {
      method: "PUT",
      body: {
        ...current,
        status: { phase: "Nope" },
        spec: { ...rec(current.spec), paused: false },
      },
    });
    expect(put.status).toBe(200);
    expect(rec(put.body.status).phase).toBe("Paused");
    // A write that changes nothing is no change: same version, no event.
    const same = await call(server, url, { method: "PUT", body: put.body });
    expect(rec(same.body.metadata).resourceVersion).toBe(rec(put.body.metadata).resourceVersion);
  });

  it("enforces resourceVersion preconditions with the real Conflict Status", async () => {
    const url = "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts/ranker-xl";
    const current = (await call(server, url)).body as unknown as StoredObject;
    server.store.patchStatus(rolloutRef("search-serving", "ranker-xl"), { readyReplicas: 3 });
    const stale = await call(server, url, { method: "PUT", body: current });
    expect(stale.status).toBe(409);
    expect(statusBody(stale.body)).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'Operation cannot be fulfilled on rollouts.argoproj.io "ranker-xl": the object has been modified; please apply your changes to the latest version and try again',
      reason: "Conflict",
      details: { name: "ranker-xl", group: "argoproj.io", kind: "rollouts" },
      code: 409,
    });
    const patched = await call(server, url, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        spec: { replicas: 2 },
      },
    });
    expect(patched.status).toBe(409);
    // Custom resources refuse an update without resourceVersion (422); built-ins allow it.
    const { resourceVersion: _rv, ...meta } = current.metadata;
    expect(_rv).toBeDefined();
    const unconditional = await call(server, url, {
      method: "PUT",
      body: { ...current, metadata: meta },
    });
    expect(unconditional.status).toBe(422);
    expect(statusBody(unconditional.body).message).toContain(
      'metadata.resourceVersion: Invalid value: "0x0": must be specified for an update',
    );
    const ns = (await call(server, "/api/v1/namespaces/ml-training"))
      .body as unknown as StoredObject;
    const nsPut = await call(server, "/api/v1/namespaces/ml-training", {
      method: "PUT",
      body: {
        ...ns,
        metadata: { name: "ml-training", labels: { ...ns.metadata.labels, extra: "yes" } },
      },
    });
    expect(nsPut.status).toBe(200);
  });

  it("creates with uid, creationTimestamp and generation, drops a custom resource's status, and refuses duplicates", async () => {
    const body = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "fresh", labels: { app: "fresh" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "fresh" } },
        template: {
          metadata: { labels: { app: "fresh" } },
          spec: { containers: [{ name: "c", image: "x:1" }] },
        },
        strategy: { canary: { steps: [{ setWeight: 50 }] } },
        unknownField: 1,
      },
      status: { phase: "Healthy" },
    };
    const created = await call(
      server,
      "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts",
      { method: "POST", body },
    );
    expect(created.status).toBe(201);
    const meta = rec(created.body.metadata);
    expect(meta).toMatchObject({ name: "fresh", namespace: "search-serving", generation: 1 });
    expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.body.status).toBeUndefined();
    // Unknown fields are pruned, with a warning (the default fieldValidation).
    expect(rec(created.body.spec).unknownField).toBeUndefined();
    expect(created.headers.get("warning")).toContain('unknown field \\"spec.unknownField\\"');
    const again = await call(
      server,
      "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts",
      { method: "POST", body },
    );
    expect(again.status).toBe(409);
    expect(statusBody(again.body)).toMatchObject({
      reason: "AlreadyExists",
      message: 'rollouts.argoproj.io "fresh" already exists',
      details: { name: "fresh", group: "argoproj.io", kind: "rollouts" },
    });
    const strict = await call(
      server,
      "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts?fieldValidation=Strict",
      { method: "POST", body: { ...body, metadata: { name: "strict" } } },
    );
    expect(strict.status).toBe(400);
    expect(statusBody(strict.body).message).toBe(
      'strict decoding error: unknown field "spec.unknownField"',
    );
    const noNamespace = await call(
      server,
      "/apis/argoproj.io/v1alpha1/namespaces/nowhere/rollouts",
      { method: "POST", body: { ...body, metadata: { name: "x" } } },
    );
    expect(noNamespace.status).toBe(404);
    expect(statusBody(noNamespace.body).message).toBe('namespaces "nowhere" not found');
    const deleted = await call(
      server,
      "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts/fresh",
      { method: "DELETE" },
    );
    expect(deleted.body).toMatchObject({
      kind: "Status",
      status: "Success",
      details: { name: "fresh", group: "argoproj.io", kind: "rollouts" },
    });
  });

  it("refuses an invalid custom resource with 422 and details.causes", async () => {
    const invalid = await call(
      server,
      "/apis/serving.kserve.io/v1beta1/namespaces/search-serving/inferenceservices",
      {
        method: "POST",
        body: {
          apiVersion: "serving.kserve.io/v1beta1",
          kind: "InferenceService",
          metadata: { name: "Bad_Name" },
          spec: { predictor: { canaryTrafficPercent: "ten", model: { modelFormat: {} } } },
        },
      },
    );
    expect(invalid.status).toBe(422);
    const status = statusBody(invalid.body);
    expect(status).toMatchObject({
      reason: "Invalid",
      code: 422,
      details: { name: "Bad_Name", group: "serving.kserve.io", kind: "InferenceService" },
    });
    expect(status.message).toMatch(
      /^InferenceService\.serving\.kserve\.io "Bad_Name" is invalid: \[/,
    );
    expect(status.details?.causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: "FieldValueInvalid", field: "metadata.name" }),
        {
          reason: "FieldValueTypeInvalid",
          message:
            'Invalid value: "string": spec.predictor.canaryTrafficPercent in body must be of type integer: "string"',
          field: "spec.predictor.canaryTrafficPercent",
        },
        {
          reason: "FieldValueRequired",
          message: "Required value",
          field: "spec.predictor.model.modelFormat.name",
        },
      ]),
    );
  });

  it("answers 401, 403 and 404 with the API server's Status bodies", async () => {
    const missing = await call(server, "/api/v1/nodes", { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    });
    expect((await call(server, "/api/v1/nodes", { token: "wrong" })).status).toBe(401);
    server.setDenyRules([
      { resource: "nodes", verbs: ["list"] },
      { resource: "rollouts/status", group: "argoproj.io", verbs: ["patch"] },
    ]);
    try {
      const nodes = await call(server, "/api/v1/nodes");
      expect(nodes.status).toBe(403);
      expect(nodes.body).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `nodes is forbidden: User "${READER}" cannot list resource "nodes" in API group "" at the cluster scope`,
        reason: "Forbidden",
        details: { kind: "nodes" },
        code: 403,
      });
      expect((await call(server, "/api/v1/nodes/x")).status).toBe(404);
      const status = await call(
        server,
        "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts/ranker-xl/status",
        {
          method: "PATCH",
          contentType: "application/merge-patch+json",
          body: { status: { phase: "Paused" } },
        },
      );
      expect(status.status).toBe(403);
      expect(statusBody(status.body).message).toBe(
        `rollouts.argoproj.io "ranker-xl" is forbidden: User "${READER}" cannot patch resource "rollouts/status" in API group "argoproj.io" in the namespace "search-serving"`,
      );
    } finally {
      server.setDenyRules([]);
    }
    const notFound = await call(
      server,
      "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts/nothing",
    );
    expect(notFound.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'rollouts.argoproj.io "nothing" not found',
      reason: "NotFound",
      details: { name: "nothing", group: "argoproj.io", kind: "rollouts" },
      code: 404,
    });
    expect((await call(server, "/api/v1/nodes/nothing")).body).toMatchObject({
      message: 'nodes "nothing" not found',
      details: { name: "nothing", kind: "nodes" },
    });
  });

  it("serves tables and partial object metadata when asked, as kubectl and metadata informers do", async () => {
    const table = await call(server, "/api/v1/nodes?limit=2", {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    expect(table.body).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1" });
    expect((table.body.columnDefinitions as Json[]).map((c) => c.name).slice(0, 5)).toEqual([
      "Name",
      "Status",
      "Roles",
      "Age",
      "Version",
    ]);
    expect(rec((table.body.rows as Json[])[0]).object).toMatchObject({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
    });
    expect(typeof rec(table.body.metadata).continue).toBe("string");
    const partial = await call(server, "/api/v1/pods", {
      accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
    });
    expect(partial.body.kind).toBe("PartialObjectMetadataList");
    expect(rec((partial.body.items as Json[])[0]).spec).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Faults

describe("faults on demand", () => {
  let server: KubeApiServer;

  beforeAll(async () => {
    server = await KubeApiServer.start({ bookmarkIntervalMs: 20 });
    server.store.load(twoClusterFleet().clusters[1]?.objects ?? []);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("logs every request: method, path, query, whether it watches, and what it asked", async () => {
    server.clearRequests();
    await call(server, "/api/v1/namespaces/ml-training/pods?labelSelector=a%3Db&limit=5");
    const w = await WatchStream.open(server, "/api/v1/nodes?watch=true&resourceVersion=0");
    await server.waitForWatch({ resource: "nodes" });
    w.close();
    expect(server.requests).toMatchObject([
      {
        method: "GET",
        path: "/api/v1/namespaces/ml-training/pods",
        query: { labelSelector: "a=b", limit: "5" },
        watch: false,
        verb: "list",
        resource: "pods",
        namespace: "ml-training",
        user: READER,
        status: 200,
      },
      {
        method: "GET",
        path: "/api/v1/nodes",
        query: { watch: "true", resourceVersion: "0" },
        watch: true,
        verb: "watch",
        resource: "nodes",
      },
    ]);
    expect(server.requestsMatching({ verb: "watch" })).toHaveLength(1);
  });

  it("adds latency to matching requests only", async () => {
    const undo = server.addLatency(300, { resource: "nodes" });
    try {
      const finished: string[] = [];
      const started = performance.now();
      const slow = call(server, "/api/v1/nodes").then((r) => {
        finished.push("nodes");
        return { status: r.status, ms: performance.now() - started };
      });
      const quick = call(server, "/api/v1/namespaces").then((r) => {
        finished.push("namespaces");
        return r.status;
      });
      expect(await quick).toBe(200);
      const delayed = await slow;
      expect(delayed.status).toBe(200);
      expect(delayed.ms).toBeGreaterThanOrEqual(295);
      expect(finished).toEqual(["namespaces", "nodes"]);
    } finally {
      undo();
    }
  });

  it("resets the connection of the next matching requests", async () => {
    server.resetConnections(1, { resource: "pods" });
    await expect(
      fetch(`${server.url}/api/v1/pods`, { headers: { Authorization: `Bearer ${server.token}` } }),
    ).rejects.toThrow();
    expect((await call(server, "/api/v1/pods")).status).toBe(200);
  });

  it("answers N 500s, then normally; N 429s with Retry-After", async () => {
    server.failRequests(2, { match: { resource: "nodes" } });
    const first = await call(server, "/api/v1/nodes");
    expect(first.status).toBe(500);
    expect(statusBody(first.body)).toMatchObject({
      reason: "InternalError",
      message: "Internal error occurred: etcdserver: request timed out",
      code: 500,
    });
    expect((await call(server, "/api/v1/namespaces")).status).toBe(200);
    expect((await call(server, "/api/v1/nodes")).status).toBe(500);
    expect((await call(server, "/api/v1/nodes")).status).toBe(200);
    server.throttleRequests(1, 7);
    const throttled = await call(server, "/api/v1/nodes");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("7");
    expect(statusBody(throttled.body)).toMatchObject({
      reason: "TooManyRequests",
      details: { retryAfterSeconds: 7 },
      code: 429,
    });
    expect((await call(server, "/api/v1/nodes")).status).toBe(200);
  });

  it("drops open watches cleanly or abruptly", async () => {
    const clean = await WatchStream.open(server, "/api/v1/pods?watch=1");
    const abrupt = await WatchStream.open(server, "/api/v1/nodes?watch=1");
    await server.waitForWatch({ resource: "pods" });
    await server.waitForWatch({ resource: "nodes" });
    expect(server.dropWatches()).toBeGreaterThanOrEqual(2);
    await clean.untilEnded();
    await abrupt.untilEnded();
    expect(server.openWatches()).toEqual([]);
    const again = await WatchStream.open(server, "/api/v1/nodes?watch=1");
    await server.waitForWatch({ resource: "nodes" });
    server.dropWatches({ abrupt: true });
    await again.untilEnded();
  });

  it("compacts: resource versions from before answer 410", async () => {
    const rv = server.store.resourceVersion;
    server.store.patchStatus(
      { apiVersion: "v1", kind: "Namespace", name: "ml-training" },
      { phase: "Active" },
    );
    server.store.patch(
      { apiVersion: "v1", kind: "Namespace", name: "ml-training" },
      { metadata: { labels: { touched: "1" } } },
    );
    server.compact();
    const w = await WatchStream.open(server, `/api/v1/namespaces?watch=1&resourceVersion=${rv}`);
    await w.untilEnded();
    expect(w.events[0]).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
    const current = await WatchStream.open(
      server,
      `/api/v1/namespaces?watch=1&resourceVersion=${server.store.resourceVersion}`,
    );
    await server.waitForWatch({ resource: "namespaces" });
    current.close();
  });

  it("goes down (connections refused) and comes back on the same port with its state", async () => {
    const url = server.url;
    const w = await WatchStream.open(server, "/api/v1/pods?watch=1");
    await server.waitForWatch({ resource: "pods" });
    const rv = server.store.resourceVersion;
    await server.down();
    await w.untilEnded();
    await expect(fetch(`${url}/api/v1/nodes`)).rejects.toThrow();
    server.store.patch(
      { apiVersion: "v1", kind: "Namespace", name: "ml-training" },
      { metadata: { labels: { while: "down" } } },
    );
    await server.up();
    expect(server.url).toBe(url);
    const ns = await call(server, "/api/v1/namespaces/ml-training");
    expect(rec(rec(ns.body.metadata).labels).while).toBe("down");
    expect(Number(server.store.resourceVersion)).toBeGreaterThan(Number(rv));
  });

  it("answers everything 401 (an expired token) or every resource request 403", async () => {
    server.rejectAll("unauthorized");
    expect((await call(server, "/api/v1/nodes")).status).toBe(401);
    expect((await call(server, "/version")).status).toBe(401);
    server.rejectAll("forbidden");
    const forbidden = await call(
      server,
      "/apis/argoproj.io/v1alpha1/namespaces/search-serving/rollouts",
    );
    expect(forbidden.status).toBe(403);
    expect(statusBody(forbidden.body).message).toBe(
      `rollouts.argoproj.io is forbidden: User "${READER}" cannot list resource "rollouts" in API group "argoproj.io" in the namespace "search-serving"`,
    );
    expect((await call(server, "/apis")).status).toBe(200);
    server.rejectAll(null);
    expect((await call(server, "/api/v1/nodes")).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// kubeconfig and fleet builders

describe("kubeconfigFor and the fleet builders", () => {
  it("writes one context per cluster with plain http servers and bearer tokens", async () => {
    const one = await KubeApiServer.start();
    const two = await KubeApiServer.start({ token: "second-token" });
    try {
      const file = kubeconfigFor([
        { name: "gke-us-east1-serving", server: one },
        { name: "eks-eu-west-1", server: two, namespace: "search-serving" },
      ]);
      dirs.push(path.dirname(file));
      const config = rec(parseYaml(readFileSync(file, "utf8")));
      expect(config["current-context"]).toBe("gke-us-east1-serving");
      expect(config.contexts).toEqual([
        {
          name: "gke-us-east1-serving",
          context: { cluster: "gke-us-east1-serving", user: "gke-us-east1-serving" },
        },
        {
          name: "eks-eu-west-1",
          context: { cluster: "eks-eu-west-1", user: "eks-eu-west-1", namespace: "search-serving" },
        },
      ]);
      expect(config.clusters).toEqual([
        {
          name: "gke-us-east1-serving",
          cluster: { server: one.url, "insecure-skip-tls-verify": true },
        },
        { name: "eks-eu-west-1", cluster: { server: two.url, "insecure-skip-tls-verify": true } },
      ]);
      expect(config.users).toEqual([
        { name: "gke-us-east1-serving", user: { token: one.token } },
        { name: "eks-eu-west-1", user: { token: "second-token" } },
      ]);
      expect(one.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await one.stop();
      await two.stop();
    }
  });

  it("builds a fleet whose objects add up to the expected figures", () => {
    const fleet = twoClusterFleet();
    for (const cluster of fleet.clusters) {
      const server = new KubeApiServer();
      server.store.load(cluster.objects); // validated against names and the CRD schemas
      const system = server.store.get({ apiVersion: "v1", kind: "Namespace", name: "kube-system" });
      const expected = fleet.expected.clusters.find((c) => c.name === cluster.name);
      expect(system?.metadata.labels).toMatchObject({
        "flightdeck.dev/region": expected?.region,
        "flightdeck.dev/provider": expected?.provider,
        "flightdeck.dev/role": expected?.role,
      });
      const nodes = server.store.list("v1", "Node");
      const pods = server.store.list("v1", "Pod");
      const gpu = (o: unknown, field: "capacity" | "allocatable") =>
        Number(rec(rec(rec(o).status)[field])[GPU] ?? 0);
      const podGpus = (p: StoredObject) =>
        ((rec(p.spec).containers as Json[]) ?? []).reduce(
          (s, c) => s + Number(rec(rec(c.resources).requests)[GPU] ?? 0),
          0,
        );
      const active = (p: StoredObject) =>
        !["Succeeded", "Failed"].includes(String(rec(p.status).phase));
      const poolLabel = (n: StoredObject) =>
        [
          "cloud.google.com/gke-nodepool",
          "eks.amazonaws.com/nodegroup",
          "karpenter.sh/nodepool",
          "kubernetes.azure.com/agentpool",
        ]
          .map((l) => n.metadata.labels?.[l])
          .find(Boolean);
      for (const pool of fleet.expected.pools.filter((p) => p.cluster === cluster.name)) {
        const members = nodes.filter((n) => poolLabel(n) === pool.name);
        const ready = (n: StoredObject) =>
          ((rec(n.status).conditions as Json[]) ?? []).some(
            (c) => c.type === "Ready" && c.status === "True",
          );
        const usable = members.filter((n) => ready(n) && rec(n.spec).unschedulable !== true);
        const allocatedOn = (n: StoredObject) =>
          pods
            .filter((p) => rec(p.spec).nodeName === n.metadata.name && active(p))
            .reduce((s, p) => s + podGpus(p), 0);
        expect({
          nodes: members.length,
          readyNodes: members.filter(ready).length,
          gpus: members.reduce((s, n) => s + gpu(n, "capacity"), 0),
          allocatable: usable.reduce((s, n) => s + gpu(n, "allocatable"), 0),
          allocated: usable.reduce((s, n) => s + allocatedOn(n), 0),
          product: members[0]?.metadata.labels?.["nvidia.com/gpu.product"],
        }).toEqual({
          nodes: pool.nodes,
          readyNodes: pool.readyNodes,
          gpus: pool.gpus,
          allocatable: pool.allocatable,
          allocated: pool.allocated,
          product: pool.product,
        });
        for (const u of pool.unhealthy) {
          const n = members.find((m) => m.metadata.name === u.name) as StoredObject;
          expect({
            ready: ready(n),
            schedulable: rec(n.spec).unschedulable !== true,
            allocatable: gpu(n, "allocatable"),
            capacity: gpu(n, "capacity"),
            gpusInUse: allocatedOn(n),
          }).toEqual({
            ready: u.ready,
            schedulable: u.schedulable,
            allocatable: u.allocatable,
            capacity: u.capacity,
            gpusInUse: u.gpusInUse,
          });
        }
      }
      for (const ns of fleet.expected.namespaces.filter((n) => n.cluster === cluster.name)) {
        const quota = server.store.get({
          apiVersion: "v1",
          kind: "ResourceQuota",
          namespace: ns.name,
          name: "gpu-quota",
        });
        const used = pods
          .filter((p) => p.metadata.namespace === ns.name && active(p))
          .reduce((s, p) => s + podGpus(p), 0);
        expect(Number(rec(rec(quota?.status).used)[`requests.${GPU}`])).toBe(used);
        expect(used).toBe(ns.gpuUsed);
        expect(Number(rec(rec(quota?.spec).hard)[`requests.${GPU}`])).toBe(ns.gpuQuota);
        expect(
          server.store.get({ apiVersion: "v1", kind: "Namespace", name: ns.name })?.metadata
            .labels?.["flightdeck.dev/team"],
        ).toBe(ns.team);
      }
      for (const h of fleet.expected.hpas.filter((x) => x.cluster === cluster.name)) {
        const o = server.store.get({
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          namespace: h.namespace,
          name: h.name,
        });
        expect(rec(o?.spec)).toMatchObject({
          scaleTargetRef: { kind: h.targetKind, name: h.target },
          minReplicas: h.min,
          maxReplicas: h.max,
        });
        expect(rec(o?.status)).toMatchObject({
          currentReplicas: h.current,
          desiredReplicas: h.desired,
        });
        const limited = ((rec(o?.status).conditions as Json[]) ?? []).find(
          (c) => c.type === "ScalingLimited",
        );
        expect(limited?.status).toBe(h.limited ? "True" : "False");
      }
      for (const w of fleet.expected.workloads.filter((x) => x.cluster === cluster.name)) {
        const podsOf = (version: string) =>
          pods.filter(
            (p) =>
              p.metadata.namespace === w.namespace &&
              p.metadata.labels?.["flightdeck.dev/model"] === w.model &&
              p.metadata.labels?.["flightdeck.dev/version"] === version,
          );
        for (const v of w.versions) expect(podsOf(v.version)).toHaveLength(v.ready);
        expect(w.versions.reduce((s, v) => s + v.weight, 0)).toBe(100);
      }
      void server.stop();
    }
    const [gke] = fleet.clusters;
    const rollout = gke?.objects.find((o) => o.kind === "Rollout") as KubeObject;
    const rs =
      gke?.objects.filter(
        (o) => o.kind === "ReplicaSet" && o.metadata.ownerReferences?.[0]?.kind === "Rollout",
      ) ?? [];
    expect(rs).toHaveLength(2);
    for (const r of rs) {
      expect(r.metadata.ownerReferences?.[0]?.uid).toBe(rollout.metadata.uid);
      expect(r.metadata.labels?.["rollouts-pod-template-hash"]).toMatch(
        /^[bcdfghjklmnpqrstvwxz2456789]{10}$/,
      );
    }
    const status = rec(rollout.status);
    expect(rs.map((r) => r.metadata.labels?.["rollouts-pod-template-hash"]).sort()).toEqual(
      [status.stableRS, status.currentPodHash].sort(),
    );
    const isvc = gke?.objects.find((o) => o.kind === "InferenceService") as KubeObject;
    expect(rec(rec(rec(isvc.status).components).predictor)).toMatchObject({
      latestReadyRevision: "fraud-scorer-predictor-00003",
      latestRolledoutRevision: "fraud-scorer-predictor-00002",
      previousRolledoutRevision: "fraud-scorer-predictor-00001",
    });
  });

  it("loads a 500-node, 5,000-pod cluster and pages through it", () => {
    const server = new KubeApiServer();
    server.store.load(scaleCluster({ name: "big", region: "us-east-1", nodes: 500, pods: 5000 }));
    const pods = server.store.typeOf("v1", "Pod");
    let token: string | undefined;
    let count = 0;
    do {
      const page = server.store.listObjects(pods, {
        limit: 500,
        ...(token ? { continue: token } : {}),
      });
      count += page.items.length;
      token = page.continue;
    } while (token);
    expect(count).toBe(5000);
    expect(
      server.store.listObjects(pods, { fieldSelector: "spec.nodeName=big-gpu-0007" }).items,
    ).toHaveLength(10);
    expect(server.store.list("v1", "Node")).toHaveLength(500);
  });
});
