import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldErrors } from "@/lib/schemas/errors";

describe("fieldErrors", () => {
  it("keeps the first message per field, and '_' for the whole input", () => {
    const error = new z.ZodError([
      { code: "custom", path: ["a", 0, "b"], message: "first", input: null },
      { code: "custom", path: ["a", 0, "b"], message: "second", input: null },
      { code: "custom", path: [], message: "whole", input: null },
    ]);
    expect({ ...fieldErrors(error) }).toEqual({ "a.0.b": "first", _: "whole" });
  });

  // Found by the input fuzzing scenario: a body field named "constructor" or "__proto__" was
  // refused with `fields: {}` and "Invalid input.", naming nothing.
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "names a field called %s",
    (name) => {
      const error = new z.ZodError([{ code: "custom", path: [name], message: "bad", input: null }]);
      const fields = fieldErrors(error);
      expect(Object.keys(fields)).toEqual([name]);
      expect(JSON.parse(JSON.stringify({ fields })) as unknown).toEqual({
        fields: JSON.parse(`{"${name}":"bad"}`) as unknown,
      });
    },
  );
});
