import { describe, expect, it } from "vitest";
import { parseYamlDocuments } from "@/lib/yaml";

describe("parseYamlDocuments", () => {
  it("reports an alias bomb as an error of its document instead of throwing", () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(",")}]`);
    }
    const { documents, errors } = parseYamlDocuments(lines.join("\n"), "bomb.yaml");
    expect(documents).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bomb\.yaml: .*alias/i);
  });

  it("keeps the good documents beside a bad one, and names which", () => {
    const { documents, errors } = parseYamlDocuments("a: 1\n---\nb: [\n", "two.yaml");
    expect(documents).toEqual([{ a: 1 }]);
    expect(errors[0]).toMatch(/^two\.yaml:\d+:\d+: /);
  });
});
