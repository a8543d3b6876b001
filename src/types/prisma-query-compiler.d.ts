// The query compiler's JavaScript bindings, which the generated Prisma client loads (see
// server/db/plan-cache.ts): only what Flightdeck touches.
declare module "@prisma/client/runtime/query_compiler_bg.postgresql.mjs" {
  export class QueryCompiler {
    compile(request: string): unknown;
  }
}
