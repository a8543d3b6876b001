/**
 * Links out from a model or an SLO: URL templates such as
 * `https://grafana.example.com/d/serving?var-model={model}&var-region={region}`, filled in
 * where the link is shown. Values are URL-encoded, and a link is shown only when it comes out
 * as an http(s) URL (never `javascript:` or a relative path).
 */

export const LINK_PLACEHOLDERS = ["model", "region", "environment", "slo", "team"] as const;
export type LinkPlaceholder = (typeof LINK_PLACEHOLDERS)[number];
export type LinkSubjectKind = "model" | "slo";

/** What each kind of subject can fill in. */
export const PLACEHOLDERS_OF: Record<LinkSubjectKind, readonly LinkPlaceholder[]> = {
  model: ["model", "region", "environment", "team"],
  slo: ["slo", "model", "team"],
};

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/**
 * The URL when it is an absolute http(s) URL without credentials in it (they would be shown
 * and logged), else null. The one check of every URL Flightdeck renders or sends to.
 */
export function safeHttpUrl(value: string | null | undefined): string | null {
  const v = (value ?? "").trim();
  if (!v || v.length > 2000) return null;
  try {
    const u = new URL(v);
    return (u.protocol === "http:" || u.protocol === "https:") &&
      u.hostname &&
      !u.username &&
      !u.password
      ? v
      : null;
  } catch {
    return null;
  }
}

export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))];
}

/** Why the template cannot be saved, or null. */
export function templateProblem(template: string, kind: LinkSubjectKind): string | null {
  const allowed = PLACEHOLDERS_OF[kind];
  const unknown = placeholdersIn(template).filter(
    (p) => !(allowed as readonly string[]).includes(p),
  );
  if (unknown.length > 0) {
    return `Unknown placeholder ${unknown.map((p) => `{${p}}`).join(", ")}: a ${kind} link can use ${allowed.map((p) => `{${p}}`).join(", ")}.`;
  }
  const sample = renderLink(template, Object.fromEntries(allowed.map((p) => [p, "x"])));
  if (!sample)
    return "The link must be an http(s) URL, e.g. https://grafana.example.com/d/abc?var-model={model}.";
  return null;
}

/**
 * The template with its placeholders filled in (URL-encoded), or null when a placeholder it
 * uses has no value here or the result is not an http(s) URL.
 */
export function renderLink(
  template: string,
  values: Partial<Record<LinkPlaceholder, string>>,
): string | null {
  let missing = false;
  const filled = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name as LinkPlaceholder] : undefined;
    if (value === undefined || value === "") {
      missing = true;
      return "";
    }
    return encodeURIComponent(value);
  });
  return missing ? null : safeHttpUrl(filled);
}

/**
 * A template shown for several regions: one link per region when it uses {region} or
 * {environment}, one link otherwise. Labels name the region when there are several.
 */
export function renderForRegions(
  link: { label: string; urlTemplate: string },
  base: Partial<Record<LinkPlaceholder, string>>,
  environments: readonly { region: string; environment: string }[],
): { label: string; url: string }[] {
  const perRegion = /\{(region|environment)\}/.test(link.urlTemplate);
  if (!perRegion || environments.length === 0) {
    const url = renderLink(link.urlTemplate, base);
    return url ? [{ label: link.label, url }] : [];
  }
  return environments.flatMap((e) => {
    const url = renderLink(link.urlTemplate, {
      ...base,
      region: e.region,
      environment: e.environment,
    });
    return url ? [{ label: `${link.label} (${e.environment})`, url }] : [];
  });
}
