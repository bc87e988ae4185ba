import { migration0001 } from "./0001_base.ts";
import { migration0002 } from "./0002_auth.ts";
import { migration0003 } from "./0003_files.ts";
import { migration0004 } from "./0004_chunk_deletion.ts";
import { migration0005 } from "./0005_machine_projection.ts";
import { migration0007 } from "./0007_chunks_commands_reports.ts";
import { migration0008 } from "./0008_vault_members_and_key_versions.ts";
import { migration0009 } from "./0009_chunk_packs.ts";
import { migration0010 } from "./0010_drop_account_chunk_indexes.ts";
import { migration0011 } from "./0011_checkpoints.ts";
import { migration0012 } from "./0012_leases.ts";

import type { Migration } from "../migration.ts";

export type { Migration };

/** Every migration, in order. Add a file `NNNN_name.ts` and list it here; never edit an applied one. */
export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0007, migration0008, migration0009, migration0010, migration0011, migration0012];
