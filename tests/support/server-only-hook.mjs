// Lets a plain Node process (not a React Server Components bundle) import server code: the
// `server-only` guard resolves to an empty module, as vitest's alias does in the test runner.
// Usage: node --import tsx --import ./tests/support/server-only-hook.mjs <script>
import { register } from "node:module";

register("./server-only-resolve.mjs", import.meta.url);
