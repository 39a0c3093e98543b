// The grant checkboxes of the enable form: for each dataset the plugin's describe() asks for,
// the tenant's dataset of that name (if it has one) with every column of its schema; the
// columns describe() asks for start checked. Nothing the tenant lacks can be granted.
import type { DatasetSpec } from "./describe";

/** A column the tenant's dataset has. */
export interface TenantColumn {
  name: string;
  type: string;
}

/** A dataset of the tenant, by its newest version's schema. */
export interface TenantDataset {
  name: string;
  columns: TenantColumn[];
}

/** One dataset row of the form. */
export interface GrantRow {
  dataset: string;
  doc: string;
  /** Whether the tenant has this dataset at all. */
  present: boolean;
  /** The columns offered: the tenant's, in its schema's order. */
  columns: TenantColumn[];
  /** Columns describe() asks for that the tenant's dataset lacks. */
  missing: string[];
  /** Columns describe() asks for (shown as "requested"). */
  asked: string[];
}

/** The rows of the grant form. */
export function grantRows(asked: readonly DatasetSpec[], tenant: readonly TenantDataset[]): GrantRow[] {
  return asked.map((a) => {
    const have = tenant.find((d) => d.name === a.name);
    const columns = have?.columns ?? [];
    return {
      dataset: a.name,
      doc: a.doc,
      present: !!have,
      columns,
      missing: a.columns.filter((c) => !columns.some((col) => col.name === c)),
      asked: [...a.columns],
    };
  });
}

/** The checked columns to start with: what describe() asks for, where the tenant has it. */
export function defaultSelection(rows: readonly GrantRow[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of rows) {
    out[r.dataset] = r.present ? r.columns.filter((c) => r.asked.includes(c.name)).map((c) => c.name) : [];
  }
  return out;
}

/** The grants to send: datasets with at least one checked column the tenant has. */
export function toGrants(
  rows: readonly GrantRow[],
  selection: Readonly<Record<string, readonly string[]>>,
): { dataset: string; columns: string[] }[] {
  const grants: { dataset: string; columns: string[] }[] = [];
  for (const r of rows) {
    if (!r.present) continue;
    const picked = selection[r.dataset] ?? [];
    const columns = r.columns.map((c) => c.name).filter((c) => picked.includes(c));
    if (columns.length) grants.push({ dataset: r.dataset, columns });
  }
  return grants;
}

/** Columns describe() asks for that are left unchecked (the plugin may fail without them). */
export function uncheckedAsked(row: GrantRow, picked: readonly string[]): string[] {
  return row.asked.filter((c) => !row.missing.includes(c) && !picked.includes(c));
}
