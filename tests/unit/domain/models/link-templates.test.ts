import { describe, expect, it } from "vitest";
import {
  placeholdersIn,
  renderForRegions,
  renderLink,
  safeHttpUrl,
  templateProblem,
} from "@/lib/domain/models/link-templates";
import {
  alertToIncidentChange,
  alertmanagerWebhookSchema,
} from "@/lib/domain/incidents/alertmanager";

describe("link templates", () => {
  it("fills in placeholders, URL-encoded", () => {
    expect(
      renderLink("https://grafana.example.com/d/x?var-model={model}&var-region={region}", {
        model: "ranker-xl",
        region: "us east/1&x",
      }),
    ).toBe("https://grafana.example.com/d/x?var-model=ranker-xl&var-region=us%20east%2F1%26x");
  });

  it("shows nothing when a value is missing or the result is not http(s)", () => {
    expect(renderLink("https://g.example.com/{region}", { model: "m" })).toBeNull();
    expect(renderLink("javascript:alert({model})", { model: "m" })).toBeNull();
    expect(renderLink("{model}", { model: "https://evil.example.com" })).toBeNull();
    expect(renderLink("/relative/{model}", { model: "m" })).toBeNull();
    // a value cannot change the host: it is encoded into the path
    expect(renderLink("https://g.example.com/{model}", { model: "@evil.com" })).toBe(
      "https://g.example.com/%40evil.com",
    );
    expect(renderLink("https://g.example.com/{constructor}", {})).toBeNull();
  });

  it("says what is wrong with a template before it is saved", () => {
    expect(templateProblem("https://g.example.com/d?m={model}&r={region}", "model")).toBeNull();
    expect(templateProblem("https://g.example.com/{slo}", "model")).toMatch(
      /Unknown placeholder \{slo\}: a model link can use/,
    );
    expect(templateProblem("https://g.example.com/{region}", "slo")).toMatch(/Unknown placeholder/);
    expect(templateProblem("ftp://files.example.com/{model}", "model")).toMatch(/http\(s\) URL/);
    expect(templateProblem("grafana/{model}", "model")).toMatch(/http\(s\) URL/);
    expect(placeholdersIn("https://x/{a}/{b}/{a}")).toEqual(["a", "b"]);
  });

  it("makes one link per environment when the template names the region", () => {
    const envs = [
      { region: "us-east-1", environment: "production/us-east-1" },
      { region: "eu-west-1", environment: "staging/eu-west-1" },
    ];
    expect(
      renderForRegions(
        { label: "Dashboard", urlTemplate: "https://g.example.com/?m={model}&r={region}" },
        { model: "m" },
        envs,
      ),
    ).toEqual([
      { label: "Dashboard (production/us-east-1)", url: "https://g.example.com/?m=m&r=us-east-1" },
      { label: "Dashboard (staging/eu-west-1)", url: "https://g.example.com/?m=m&r=eu-west-1" },
    ]);
    expect(
      renderForRegions(
        { label: "Runbook", urlTemplate: "https://rb.example.com/{model}" },
        { model: "m" },
        envs,
      ),
    ).toEqual([{ label: "Runbook", url: "https://rb.example.com/m" }]);
    expect(
      renderForRegions({ label: "D", urlTemplate: "https://g.example.com/{region}" }, {}, []),
    ).toEqual([]);
  });

  it("keeps only http(s) URLs", () => {
    expect(safeHttpUrl(" https://x.example.com/a ")).toBe("https://x.example.com/a");
    // credentials would be shown and logged with the link
    expect(safeHttpUrl("https://user:pass@grafana.example.com/d")).toBeNull();
    expect(safeHttpUrl("https://token@grafana.example.com/d")).toBeNull();
    for (const bad of [
      "",
      null,
      undefined,
      "javascript:alert(1)",
      "data:text/html,x",
      "x",
      "mailto:a@b.c",
    ]) {
      expect(safeHttpUrl(bad)).toBeNull();
    }
  });
});

describe("an alert's links", () => {
  const alert = (generatorURL: string, annotations: Record<string, string>) =>
    alertToIncidentChange(
      alertmanagerWebhookSchema.parse({
        version: "4",
        groupKey: "g",
        status: "firing",
        receiver: "flightdeck",
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: "http://alertmanager:9093",
        alerts: [
          {
            status: "firing",
            labels: { alertname: "HighErrorRate" },
            annotations,
            startsAt: "2026-12-05T10:00:00Z",
            endsAt: "0001-01-01T00:00:00Z",
            generatorURL,
            fingerprint: "abc",
          },
        ],
      }).alerts[0]!,
    );

  it("keeps the source and the runbook when they are http(s)", () => {
    const c = alert("http://prometheus:9090/graph?g0.expr=x", {
      runbook_url: "https://runbooks.example.com/high-error-rate",
    });
    expect(c.generatorURL).toBe("http://prometheus:9090/graph?g0.expr=x");
    expect(c.runbookUrl).toBe("https://runbooks.example.com/high-error-rate");
    expect(alert("", { runbook: "https://rb.example.com/x" }).runbookUrl).toBe(
      "https://rb.example.com/x",
    );
  });

  it("drops anything else, so the page never links it", () => {
    const c = alert("javascript:alert(1)", { runbook_url: "javascript:alert(2)" });
    expect(c.generatorURL).toBeNull();
    expect(c.runbookUrl).toBeNull();
    expect(alert("", {}).runbookUrl).toBeNull();
  });
});
