import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { ConfigEditor } from "@/components/admin/config-editor";

vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: () => undefined }) }));

const never = () => Promise.reject(new Error("not called while rendering"));

describe("ConfigEditor", () => {
  it("opens on the current file, with Apply off until a preview shows changes", () => {
    const html = renderToStaticMarkup(
      createElement(ConfigEditor, {
        initial: "apiVersion: flightdeck.dev/v1\nkind: FleetConfig\n",
        preview: never,
        apply: never,
      }),
    );
    expect(html).toContain('aria-label="Apply fleet configuration"');
    expect(html).toMatch(
      /<textarea id="config-yaml"[^>]*>apiVersion: flightdeck.dev\/v1\nkind: FleetConfig\n<\/textarea>/,
    );
    expect(html).toMatch(/<button[^>]*type="submit"[^>]*>Preview changes<\/button>/);
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>Apply<\/button>/);
    expect(html).toContain("Prune: also delete what a section of the file does not list");
  });
});
