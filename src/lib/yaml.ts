import YAML from "yaml";

/**
 * Multi-document YAML in and out, for SLO files (the CLI, the import API and the SLO pages
 * share it). Syntax errors come back as messages with the source and line, never thrown.
 */
export function parseYamlDocuments(
  text: string,
  source: string,
): { documents: unknown[]; errors: string[] } {
  const docs = YAML.parseAllDocuments(text);
  const errors = docs.flatMap((doc) =>
    doc.errors.map((err) => {
      const pos = err.linePos?.[0];
      // The position leads the line, so drop the parser's own " at line 3, column 1:".
      const message = (err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: ${message}`;
    }),
  );
  const documents: unknown[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.contents === null || doc.errors.length > 0) continue;
    try {
      documents.push(doc.toJS() as unknown);
    } catch (error) {
      // e.g. an alias bomb: "Excessive alias count indicates a resource exhaustion attack"
      const message = error instanceof Error ? error.message : "cannot be read";
      errors.push(`${source}${docs.length > 1 ? ` (document ${i + 1})` : ""}: ${message}`);
    }
  }
  return { documents, errors };
}

/** One YAML document; several joined with `---`. */
export function stringifyYaml(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function stringifyYamlDocuments(values: unknown[]): string {
  return values.map(stringifyYaml).join("---\n");
}
