/**
 * A server type as the browser receives it through JSON (an API response, or a client
 * component's props): dates become ISO strings, all the way down.
 */
export type Serialized<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Serialized<U>[]
    : T extends object
      ? { [K in keyof T]: Serialized<T[K]> }
      : T;

/** The value exactly as JSON carries it, for a first render that matches later fetches. */
export function serialize<T>(value: T): Serialized<T> {
  return JSON.parse(JSON.stringify(value)) as Serialized<T>;
}
