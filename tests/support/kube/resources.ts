/**
 * The resources the test API server serves: built-in kinds (core v1, apps/v1, autoscaling/v2)
 * described here, custom resources described by their CRDs. Each carries what the protocol
 * needs: discovery names and verbs, which fields a field selector may use, whether it has a
 * status subresource, and the columns of its server-side table (`kubectl get`'s output).
 */
import { CrdSchema, type CustomResourceDefinition, type PrinterColumn } from "./crd";
import { evaluateJsonPath } from "./jsonpath";
import { isRecord, type KubeObject } from "./types";

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface ResourceType {
  group: string;
  version: string;
  /** `group/version`, or `v1` for the core group */
  apiVersion: string;
  /** the plural, as in URLs: `pods` */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** served from a CRD: strategic merge patch is refused, updates need a resourceVersion */
  custom: boolean;
  /** `…/status` exists, and updates of the object itself keep the stored status */
  statusSubresource: boolean;
  /** metadata.generation is set and bumped when anything but metadata and status changes */
  generation: boolean;
  /** what a create request keeps of the status it sends */
  statusOnCreate: "keep" | "drop" | ((object: KubeObject) => unknown);
  /** the fields a field selector may name, beyond metadata.name and metadata.namespace */
  fields: Record<string, (object: KubeObject) => string>;
  columns: TableColumn[];
  cells: (object: KubeObject, now: Date) => unknown[];
  /** validation of names: DNS-1123 subdomain (most kinds) or label (namespaces) */
  nameFormat: "subdomain" | "label";
  schema?: CrdSchema;
}

// ---------------------------------------------------------------------------------------------
// Reading fields defensively

function rec(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : fallback;
}
function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

/** Go's duration.HumanDuration, as `kubectl get` shows ages. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(object: KubeObject, now: Date): string {
  const created = Date.parse(str(object.metadata.creationTimestamp));
  return Number.isFinite(created) ? humanDuration(now.getTime() - created) : "<unknown>";
}

const NAME_COLUMN: TableColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description:
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  priority: 0,
};

function column(name: string, type = "string", description = "", priority = 0): TableColumn {
  return { name, type, format: "", description, priority };
}
const AGE = column(
  "Age",
  "string",
  "CreationTimestamp is a timestamp representing the server time when this object was created.",
);

function containersOf(template: unknown): Record<string, unknown>[] {
  return arr(rec(rec(template).spec).containers).map(rec);
}

function selectorString(selector: unknown): string {
  const s = rec(selector);
  const parts = Object.entries(rec(s.matchLabels)).map(([k, v]) => `${k}=${str(v)}`);
  for (const e of arr(s.matchExpressions).map(rec)) {
    const values = arr(e.values)
      .map((v) => str(v))
      .join(",");
    if (e.operator === "In") parts.push(`${str(e.key)} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${str(e.key)} notin (${values})`);
    else if (e.operator === "Exists") parts.push(str(e.key));
    else if (e.operator === "DoesNotExist") parts.push(`!${str(e.key)}`);
  }
  return parts.join(",") || "<none>";
}

function nodeStatus(node: KubeObject): string {
  const ready = arr(rec(node.status).conditions)
    .map(rec)
    .find((c) => c.type === "Ready");
  let s = ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown";
  if (rec(node.spec).unschedulable === true) s += ",SchedulingDisabled";
  return s;
}

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/"))
      roles.add(k.slice("node-role.kubernetes.io/".length));
    else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

function nodeAddress(node: KubeObject, type: string): string {
  const a = arr(rec(node.status).addresses)
    .map(rec)
    .find((x) => x.type === type);
  return a ? str(a.address) : "<none>";
}

function podReady(pod: KubeObject): string {
  const spec = arr(rec(pod.spec).containers).length;
  const ready = arr(rec(pod.status).containerStatuses)
    .map(rec)
    .filter((c) => c.ready === true).length;
  return `${ready}/${spec}`;
}

function podStatus(pod: KubeObject): string {
  const status = rec(pod.status);
  if (pod.metadata.deletionTimestamp) return "Terminating";
  for (const c of arr(status.containerStatuses).map(rec)) {
    const state = rec(c.state);
    const waiting = rec(state.waiting);
    if (waiting.reason) return str(waiting.reason);
    const terminated = rec(state.terminated);
    if (terminated.reason && status.phase !== "Succeeded") return str(terminated.reason);
  }
  if (status.phase === "Succeeded") return "Completed";
  return str(status.reason, str(status.phase, "Pending"));
}

function podRestarts(pod: KubeObject): string {
  return String(
    arr(rec(pod.status).containerStatuses)
      .map(rec)
      .reduce((s, c) => s + num(c.restartCount), 0),
  );
}

function quotaPairs(quota: KubeObject, limits: boolean): string {
  const status = rec(quota.status);
  const hard = rec(status.hard);
  const used = rec(status.used);
  return Object.keys(hard)
    .filter((k) => k.startsWith("limits.") === limits)
    .sort()
    .map((k) => `${k}: ${str(used[k], "0")}/${str(hard[k])}`)
    .join(", ");
}

function hpaTargets(hpa: KubeObject): string {
  const metrics = arr(rec(hpa.spec).metrics).map(rec);
  const current = arr(rec(hpa.status).currentMetrics).map(rec);
  if (metrics.length === 0) return "<none>";
  return metrics
    .map((m, i) => {
      const resource = rec(m.resource);
      const target = rec(resource.target);
      const cur = rec(rec(current[i]).resource).current;
      const value = rec(cur).averageUtilization;
      if (target.type === "Utilization") {
        return `${value === undefined ? "<unknown>" : `${str(value)}%`}/${str(target.averageUtilization)}%`;
      }
      return `<unknown>/${str(target.averageValue ?? target.value, "<unset>")}`;
    })
    .join(", ");
}

// ---------------------------------------------------------------------------------------------
// Built-in kinds

export const VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

function builtin(
  t: Omit<ResourceType, "apiVersion" | "listKind" | "custom" | "categories" | "nameFormat"> & {
    categories?: string[];
    nameFormat?: "subdomain" | "label";
  },
): ResourceType {
  return {
    ...t,
    apiVersion: t.group ? `${t.group}/${t.version}` : t.version,
    listKind: `${t.kind}List`,
    custom: false,
    categories: t.categories ?? [],
    nameFormat: t.nameFormat ?? "subdomain",
  };
}

export function builtinResources(): ResourceType[] {
  return [
    builtin({
      group: "",
      version: "v1",
      resource: "namespaces",
      singular: "namespace",
      kind: "Namespace",
      namespaced: false,
      shortNames: ["ns"],
      statusSubresource: true,
      generation: false,
      statusOnCreate: () => ({ phase: "Active" }),
      fields: { "status.phase": (o) => str(rec(o.status).phase) },
      columns: [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE],
      cells: (o, now) => [o.metadata.name, str(rec(o.status).phase, "Active"), age(o, now)],
      nameFormat: "label",
    }),
    builtin({
      group: "",
      version: "v1",
      resource: "nodes",
      singular: "node",
      kind: "Node",
      namespaced: false,
      shortNames: ["no"],
      statusSubresource: true,
      generation: false,
      statusOnCreate: "keep",
      fields: { "spec.unschedulable": (o) => String(rec(o.spec).unschedulable === true) },
      columns: [
        NAME_COLUMN,
        column("Status", "string", "The status of the node"),
        column("Roles", "string", "The roles of the node"),
        AGE,
        column("Version", "string", "Kubelet Version reported by the node."),
        column("Internal-IP", "string", "List of internal IPs in the node.", 1),
        column("External-IP", "string", "List of external IPs in the node.", 1),
        column(
          "OS-Image",
          "string",
          "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
          1,
        ),
        column(
          "Kernel-Version",
          "string",
          "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
          1,
        ),
        column(
          "Container-Runtime",
          "string",
          "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
          1,
        ),
      ],
      cells: (o, now) => {
        const info = rec(rec(o.status).nodeInfo);
        return [
          o.metadata.name,
          nodeStatus(o),
          nodeRoles(o),
          age(o, now),
          str(info.kubeletVersion),
          nodeAddress(o, "InternalIP"),
          nodeAddress(o, "ExternalIP"),
          str(info.osImage, "<unknown>"),
          str(info.kernelVersion, "<unknown>"),
          str(info.containerRuntimeVersion, "<unknown>"),
        ];
      },
    }),
    builtin({
      group: "",
      version: "v1",
      resource: "pods",
      singular: "pod",
      kind: "Pod",
      namespaced: true,
      shortNames: ["po"],
      categories: ["all"],
      statusSubresource: true,
      generation: true,
      statusOnCreate: () => ({ phase: "Pending", qosClass: "BestEffort" }),
      fields: {
        "spec.nodeName": (o) => str(rec(o.spec).nodeName),
        "spec.restartPolicy": (o) => str(rec(o.spec).restartPolicy),
        "spec.schedulerName": (o) => str(rec(o.spec).schedulerName),
        "spec.serviceAccountName": (o) => str(rec(o.spec).serviceAccountName),
        "status.phase": (o) => str(rec(o.status).phase),
        "status.podIP": (o) => str(rec(o.status).podIP),
        "status.nominatedNodeName": (o) => str(rec(o.status).nominatedNodeName),
      },
      columns: [
        NAME_COLUMN,
        column(
          "Ready",
          "string",
          "The aggregate readiness state of this pod for accepting traffic.",
        ),
        column("Status", "string", "The aggregate status of the containers in this pod."),
        column(
          "Restarts",
          "string",
          "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        ),
        AGE,
        column("IP", "string", "The IP address assigned to the pod", 1),
        column("Node", "string", "The name of the node this pod is assigned to", 1),
        column("Nominated Node", "string", "The name of the node this pod is nominated to", 1),
        column("Readiness Gates", "string", "The readiness gates of this pod", 1),
      ],
      cells: (o, now) => [
        o.metadata.name,
        podReady(o),
        podStatus(o),
        podRestarts(o),
        age(o, now),
        str(rec(o.status).podIP, "<none>"),
        str(rec(o.spec).nodeName, "<none>"),
        str(rec(o.status).nominatedNodeName, "<none>"),
        "<none>",
      ],
    }),
    builtin({
      group: "",
      version: "v1",
      resource: "resourcequotas",
      singular: "resourcequota",
      kind: "ResourceQuota",
      namespaced: true,
      shortNames: ["quota"],
      statusSubresource: true,
      generation: false,
      statusOnCreate: "drop",
      fields: {},
      columns: [
        NAME_COLUMN,
        AGE,
        column(
          "Request",
          "string",
          "Request represents a minimum amount of cpu/memory that a container may consume.",
        ),
        column(
          "Limit",
          "string",
          "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
        ),
      ],
      cells: (o, now) => [o.metadata.name, age(o, now), quotaPairs(o, false), quotaPairs(o, true)],
    }),
    builtin({
      group: "apps",
      version: "v1",
      resource: "deployments",
      singular: "deployment",
      kind: "Deployment",
      namespaced: true,
      shortNames: ["deploy"],
      categories: ["all"],
      statusSubresource: true,
      generation: true,
      statusOnCreate: "drop",
      fields: {},
      columns: [
        NAME_COLUMN,
        column("Ready", "string", "Number of the pod with ready state"),
        column(
          "Up-to-date",
          "integer",
          "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
        ),
        column(
          "Available",
          "integer",
          "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
        ),
        AGE,
        column("Containers", "string", "Names of each container in the template.", 1),
        column("Images", "string", "Images referenced by each container in the template.", 1),
        column(
          "Selector",
          "string",
          "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
          1,
        ),
      ],
      cells: (o, now) => {
        const spec = rec(o.spec);
        const status = rec(o.status);
        const containers = containersOf(spec.template);
        return [
          o.metadata.name,
          `${num(status.readyReplicas)}/${typeof spec.replicas === "number" ? spec.replicas : 1}`,
          num(status.updatedReplicas),
          num(status.availableReplicas),
          age(o, now),
          containers.map((c) => str(c.name)).join(","),
          containers.map((c) => str(c.image)).join(","),
          selectorString(spec.selector),
        ];
      },
    }),
    builtin({
      group: "apps",
      version: "v1",
      resource: "replicasets",
      singular: "replicaset",
      kind: "ReplicaSet",
      namespaced: true,
      shortNames: ["rs"],
      categories: ["all"],
      statusSubresource: true,
      generation: true,
      statusOnCreate: "drop",
      fields: { "status.replicas": (o) => String(num(rec(o.status).replicas)) },
      columns: [
        NAME_COLUMN,
        column("Desired", "integer", "Replicas is the number of desired replicas."),
        column("Current", "integer", "Replicas is the most recently observed number of replicas."),
        column("Ready", "integer", "The number of ready replicas for this replica set."),
        AGE,
        column("Containers", "string", "Names of each container in the template.", 1),
        column("Images", "string", "Images referenced by each container in the template.", 1),
        column(
          "Selector",
          "string",
          "Selector is a label query over pods that should match the replica count.",
          1,
        ),
      ],
      cells: (o, now) => {
        const spec = rec(o.spec);
        const status = rec(o.status);
        const containers = containersOf(spec.template);
        return [
          o.metadata.name,
          typeof spec.replicas === "number" ? spec.replicas : 1,
          num(status.replicas),
          num(status.readyReplicas),
          age(o, now),
          containers.map((c) => str(c.name)).join(","),
          containers.map((c) => str(c.image)).join(","),
          selectorString(spec.selector),
        ];
      },
    }),
    builtin({
      group: "autoscaling",
      version: "v2",
      resource: "horizontalpodautoscalers",
      singular: "horizontalpodautoscaler",
      kind: "HorizontalPodAutoscaler",
      namespaced: true,
      shortNames: ["hpa"],
      categories: ["all"],
      statusSubresource: true,
      generation: false,
      statusOnCreate: "drop",
      fields: {},
      columns: [
        NAME_COLUMN,
        column(
          "Reference",
          "string",
          "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.",
        ),
        column(
          "Targets",
          "string",
          "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).",
        ),
        column(
          "MinPods",
          "string",
          "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.",
        ),
        column(
          "MaxPods",
          "integer",
          "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.",
        ),
        column(
          "Replicas",
          "integer",
          "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
        ),
        AGE,
      ],
      cells: (o, now) => {
        const spec = rec(o.spec);
        const ref = rec(spec.scaleTargetRef);
        return [
          o.metadata.name,
          `${str(ref.kind)}/${str(ref.name)}`,
          hpaTargets(o),
          str(spec.minReplicas, "<unset>"),
          num(spec.maxReplicas),
          num(rec(o.status).currentReplicas),
          age(o, now),
        ];
      },
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Custom resources

const schemas = new Map<string, CrdSchema>();

/** The resource a CRD serves (its storage version), with its printer columns and schema. */
export function customResource(crd: CustomResourceDefinition): ResourceType {
  const version =
    crd.spec.versions.find((v) => v.storage && v.served) ?? crd.spec.versions.find((v) => v.served);
  if (!version) throw new Error(`CRD ${crd.metadata.name} serves no version`);
  const names = crd.spec.names;
  const printer: PrinterColumn[] = version.additionalPrinterColumns ?? [
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ];
  const openApi = version.schema?.openAPIV3Schema;
  const schemaKey = `${crd.metadata.name}/${version.name}`;
  let schema = schemas.get(schemaKey);
  if (!schema && openApi) {
    schema = new CrdSchema(openApi);
    schemas.set(schemaKey, schema);
  }
  return {
    group: crd.spec.group,
    version: version.name,
    apiVersion: `${crd.spec.group}/${version.name}`,
    resource: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    namespaced: crd.spec.scope === "Namespaced",
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    custom: true,
    statusSubresource: version.subresources?.status !== undefined,
    generation: true,
    statusOnCreate: version.subresources?.status !== undefined ? "drop" : "keep",
    fields: {},
    columns: [
      NAME_COLUMN,
      ...printer.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? "",
        description:
          c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      })),
    ],
    cells: (o, now) => [
      o.metadata.name,
      ...printer.map((c) => {
        const found = evaluateJsonPath(o, c.jsonPath);
        if (found.length === 0 || found[0] === undefined || found[0] === null) return null;
        const value = found[0];
        switch (c.type) {
          case "integer":
            return typeof value === "number" ? Math.trunc(value) : null;
          case "number":
            return typeof value === "number" ? value : null;
          case "boolean":
            return typeof value === "boolean" ? value : null;
          case "date": {
            const t = typeof value === "string" ? Date.parse(value) : NaN;
            return Number.isFinite(t) ? humanDuration(now.getTime() - t) : "<invalid>";
          }
          default:
            return typeof value === "string" ? value : JSON.stringify(value);
        }
      }),
    ],
    nameFormat: "subdomain",
    ...(schema ? { schema } : {}),
  };
}
