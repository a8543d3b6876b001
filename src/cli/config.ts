import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import { formatPlan } from "@/lib/domain/config/document";
import { AppError } from "@/server/errors";
import {
  applyFleetConfig,
  exportFleetConfig,
  parseConfigText,
  type ConfigActor,
} from "@/server/config/apply";
import { MissingDatabaseError, MissingSchemaError, withCliDatabase } from "./database";

/**
 * `flightdeck diff | apply | export`: the fleet configuration file (docs/configuration.md) from
 * the command line, against the database directly. Whoever can reach the database already holds
 * every power over it, so the command needs no sign-in; its changes are audited under the
 * operating-system user (`cli:<user>`), as `flightdeck admin` is.
 */

export const CONFIG_USAGE = `Usage:
  flightdeck diff -f FILE [--prune]
      Print what applying FILE would change, field by field. Nothing is written.
  flightdeck apply -f FILE [--prune] [--dry-run]
      Print the changes, then apply them all in one transaction with one audit record
      (config.apply). Applying a file the fleet already matches changes nothing.
  flightdeck export [-o FILE]
      Write the fleet's configuration as YAML (to standard output, or FILE).

  -f, --file FILE   the configuration file (flightdeck.yaml); - reads standard input
  --prune           also delete objects a section of FILE does not list (as prune: true)
  --dry-run         apply: compare only
  -o, --output FILE export: write FILE instead of standard output

Exit status: 0 done, 1 invalid file or refused change (nothing applied), 2 bad usage.
The database is DATABASE_URL, or the embedded one under FLIGHTDECK_DATA_DIR (.flightdeck).
`;

export interface ConfigCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}
class InputError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: "string", short: "f" },
        output: { type: "string", short: "o" },
        prune: { type: "boolean" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The command line's audit identity: the operating-system user who ran it. */
function cliActor(): ConfigActor {
  const who = `cli:${os.userInfo().username}`;
  return {
    actorId: null,
    actorEmail: who,
    actorRole: null,
    requestId: null,
    clientIp: null,
    createdBy: who,
  };
}

async function readConfigFile(file: string, io: ConfigCliIo): Promise<string> {
  if (file === "-") return io.readStdin();
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT"
        ? `${file}: no such file.`
        : `${file}: cannot be read (${code ?? "error"}).`,
    );
  }
}

async function run(argv: string[], io: ConfigCliIo): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parse(rest);
  if (values.help) {
    io.stdout(CONFIG_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);

  if (command === "export") {
    if (values.file || values.prune || values["dry-run"]) {
      throw new UsageError("export takes only -o FILE.");
    }
    const { yaml, problems } = await withCliDatabase(io.env, (prisma) => exportFleetConfig(prisma));
    for (const p of problems) io.stderr(`flightdeck: warning: ${p}\n`);
    if (values.output) {
      await writeFile(values.output, yaml);
      io.stderr(`Wrote ${values.output}.\n`);
    } else io.stdout(yaml);
    return 0;
  }

  if (command !== "diff" && command !== "apply") {
    throw new UsageError(`unknown command: ${command ?? "(none)"}`);
  }
  if (!values.file) throw new UsageError(`${command} needs -f FILE.`);
  if (values.output) throw new UsageError("-o goes with export.");
  if (command === "diff" && values["dry-run"]) {
    throw new UsageError("diff never applies; --dry-run goes with apply.");
  }
  const text = await readConfigFile(values.file, io);
  const config = parseConfigText(text, values.file === "-" ? "stdin" : values.file);
  const dryRun = command === "diff" || values["dry-run"] === true;
  const outcome = await withCliDatabase(io.env, (prisma) =>
    applyFleetConfig(prisma, cliActor(), config, { prune: values.prune === true, dryRun }),
  );
  io.stdout(formatPlan(outcome.plan));
  if (outcome.plan.problems.length > 0) return 1;
  if (outcome.applied) {
    io.stdout("Applied, in one transaction (audit action config.apply).\n");
  } else if (command === "apply" && dryRun && outcome.plan.changes.length > 0) {
    io.stdout("Dry run: nothing was applied.\n");
  }
  return 0;
}

/**
 * Runs `flightdeck diff | apply | export …` (argv starts with the command) and returns the exit
 * code: 0 done, 1 invalid file or refused change, 2 bad usage.
 */
export async function configMain(
  argv: string[],
  io: ConfigCliIo = processConfigIo,
): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`flightdeck: ${e.message}\n\n${CONFIG_USAGE}`);
      return 2;
    }
    if (
      e instanceof InputError ||
      e instanceof AppError ||
      e instanceof MissingSchemaError ||
      e instanceof MissingDatabaseError
    ) {
      io.stderr(`flightdeck: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export const processConfigIo: ConfigCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readAll(process.stdin),
  env: process.env,
};
