// What the list shows: the sidebar's facets over the core's listing (the order, and what the
// search box finds, are the core's: see state/filtering.svelte.ts). Pure functions of the
// entries, so the tests can check them directly.
import type { ListEntry, Status } from './api';

export type StatusFacet = Status | 'superseded';

export interface Filters {
  status: StatusFacet | null;
  issuer: string | null;
  clientAuthOnly: boolean;
  showAuthorities: boolean;
}

export const noFilters: Filters = { status: null, issuer: null, clientAuthOnly: false, showAuthorities: false };

export interface Facets {
  total: number;
  status: Record<StatusFacet, number>;
  /** Issuer name → count, most certificates first. */
  issuers: [string, number][];
  authorities: number;
}

/** Personal certificates only, unless the user asked to see the authorities too. */
function inScope(entry: ListEntry, filters: Filters): boolean {
  return filters.showAuthorities || !entry.is_ca;
}

export function facetsOf(entries: ListEntry[], filters: Filters): Facets {
  const status: Record<StatusFacet, number> = { valid: 0, expiring: 0, not_yet_valid: 0, expired: 0, superseded: 0 };
  const issuers = new Map<string, number>();
  let total = 0;
  for (const e of entries) {
    if (!inScope(e, filters)) continue;
    total++;
    status[e.status]++;
    if (e.superseded) status.superseded++;
    issuers.set(e.issuer_name, (issuers.get(e.issuer_name) ?? 0) + 1);
  }
  const sorted = [...issuers].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { total, status, issuers: sorted, authorities: entries.filter((e) => e.is_ca).length };
}

/** The entries the facets let through and, unless it is null, the search found (by id). */
export function applyFilters(entries: ListEntry[], filters: Filters, found: ReadonlySet<string> | null = null): ListEntry[] {
  return entries.filter(
    (e) =>
      inScope(e, filters) &&
      (filters.status === null || (filters.status === 'superseded' ? e.superseded : e.status === filters.status)) &&
      (filters.issuer === null || e.issuer_name === filters.issuer) &&
      (!filters.clientAuthOnly || e.client_auth) &&
      (found === null || found.has(e.id)),
  );
}

/** A rough hint, not a rule: length matters most, then variety. */
export function passwordStrength(password: string): 'empty' | 'weak' | 'fair' | 'strong' {
  if (!password) return 'empty';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  const length = [...password].length;
  if (length < 8) return 'weak';
  if (length >= 14 || (length >= 10 && classes >= 3)) return 'strong';
  return 'fair';
}
