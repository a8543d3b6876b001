import { type SloSpec } from "@/lib/domain/slos/spec";
import {
  type Indexed,
  type Reading,
  finish,
  importFlightdeck,
  importOpenSlo,
  indexed,
  owned,
  portable,
} from "@/lib/domain/slos/openslo-import";
import {
  Collector,
  FLIGHTDECK_API_VERSION,
  OPENSLO_API_VERSION,
  type PortableSloSpec,
  type SloImportOptions,
  documentId,
  isObj,
} from "@/lib/domain/slos/openslo-model";

/**
 * Reads OpenSLO v1 documents (Service, SLI, SLO, AlertPolicy, AlertCondition) into SLO specs.
 * Throws an OpenSloError listing every problem in every document.
 */
export function fromOpenSlo(docs: unknown[], options: SloImportOptions = {}): { specs: SloSpec[] } {
  const c = new Collector();
  return finish(importOpenSlo(indexed(docs), owned(options), c), c);
}

/** Reads Flightdeck's own SLO documents (`apiVersion: flightdeck.dev/v1`, `kind: SLO`). */
export function fromFlightdeckDocs(
  docs: unknown[],
  options: SloImportOptions = {},
): { specs: SloSpec[] } {
  const c = new Collector();
  return finish(importFlightdeck(indexed(docs), owned(options), c), c);
}

/**
 * Reads a mix of OpenSLO v1 and Flightdeck documents (one file may hold both), in document
 * order. OpenSLO documents may refer to each other; Flightdeck documents stand alone. Every SLO
 * needs an owner team (its documents', else `options.team`): this is the reading for storing.
 */
export function parseSloDocuments(
  docs: unknown[],
  options: SloImportOptions = {},
): { specs: SloSpec[] } {
  return parseMixed(docs, owned(options));
}

/**
 * Reads SLO documents as `parseSloDocuments` does, for rules or conversion: an SLO that names no
 * owner team (and gets none from `options.team`) is read without one.
 */
export function parsePortableSloDocuments(
  docs: unknown[],
  options: SloImportOptions = {},
): { specs: PortableSloSpec[] } {
  return parseMixed(docs, portable(options));
}

function parseMixed<S extends PortableSloSpec>(
  docs: unknown[],
  reading: Reading<S>,
): { specs: S[] } {
  const c = new Collector();
  const openslo: Indexed<unknown>[] = [];
  const flightdeck: Indexed<unknown>[] = [];
  indexed(docs).forEach((doc) => {
    const apiVersion = isObj(doc.value) ? doc.value.apiVersion : undefined;
    if (apiVersion === OPENSLO_API_VERSION) openslo.push(doc);
    else if (apiVersion === FLIGHTDECK_API_VERSION) flightdeck.push(doc);
    else {
      c.reporter(documentId(doc.value, doc.index))(
        isObj(doc.value) ? "apiVersion" : "(root)",
        `unsupported apiVersion ${JSON.stringify(apiVersion)}; Flightdeck reads ${OPENSLO_API_VERSION} and ${FLIGHTDECK_API_VERSION}.`,
      );
    }
  });
  return finish(
    [...importOpenSlo(openslo, reading, c), ...importFlightdeck(flightdeck, reading, c)],
    c,
  );
}

// ---------------------------------------------------------------------------------------------
// Export
