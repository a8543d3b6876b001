import { z } from "zod";
import { VERSION_NAME, VERSION_NAME_RULE } from "@/lib/domain/models/registry";

const sha256 = /^sha256:[0-9a-f]{64}$/;
/** registry/repository@sha256:<64 hex>: an image pinned by digest, never a mutable tag. */
const imageByDigest = z
  .string()
  .trim()
  .max(400)
  .regex(
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$/,
    "Reference the image by digest (registry/repo@sha256:<64 hex>), not by a tag.",
  );

export const registerModelVersionSchema = z
  .object({
    version: z
      .string()
      .trim()
      .min(1)
      .max(63, VERSION_NAME_RULE)
      .regex(VERSION_NAME, VERSION_NAME_RULE),
    imageDigest: imageByDigest,
    baseImageDigest: imageByDigest,
    artifactUri: z
      .string()
      .trim()
      .max(1000)
      .regex(
        /^(s3|gs|abfss?|hdfs|https|file):\/\/\S+$/,
        "artifactUri must be a URI such as s3://bucket/path.",
      ),
    trainingRunId: z.string().trim().min(1, "trainingRunId is required.").max(200),
    datasetDigest: z.string().trim().regex(sha256, "datasetDigest must be sha256:<64 hex>."),
    codeCommit: z
      .string()
      .trim()
      .regex(/^[0-9a-f]{40}$/, "codeCommit must be a full 40-character git commit hash."),
    evalMetrics: z
      .record(z.string().min(1).max(100), z.number().finite())
      .refine((m) => Object.keys(m).length > 0, "evalMetrics needs at least one metric.")
      .refine((m) => Object.keys(m).length <= 100, "evalMetrics has at most 100 metrics."),
  })
  .strict();
export type RegisterModelVersionInput = z.input<typeof registerModelVersionSchema>;
export type RegisterModelVersionData = z.output<typeof registerModelVersionSchema>;
