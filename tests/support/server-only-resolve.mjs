// The resolve hook registered by server-only-hook.mjs: `server-only` resolves to this module,
// which has no side effects (its one export is the hook).
export async function resolve(specifier, context, next) {
  return specifier === "server-only"
    ? { url: import.meta.url, shortCircuit: true }
    : next(specifier, context);
}
