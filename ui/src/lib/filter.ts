// What the list shows: the sidebar's facets and the search box (the order is the core's).
// Pure functions of the entries, so the tests can check them directly.
import type { ListEntry, Status } from './api';

export type StatusFacet = Status | 'superseded';

export interface Filters {
  status: StatusFacet | null;
  issuer: string | null;
  clientAuthOnly: boolean;
  showAuthorities: boolean;
  search: string;
}

export const noFilters: Filters = { status: null, issuer: null, clientAuthOnly: false, showAuthorities: false, search: '' };

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

const hex = (s: string) => s.replace(/[\s:]/g, '').toLowerCase();

/** Matches subject, issuer, email, serial and thumbprints; hex may have colons or spaces. */
export function matchesSearch(entry: ListEntry, search: string): boolean {
  const text = search.trim().toLowerCase();
  if (!text) return true;
  const fields = [entry.subject, entry.issuer, entry.email ?? '', entry.friendly_name ?? ''];
  if (fields.some((f) => f.toLowerCase().includes(text))) return true;
  const h = hex(text);
  return h.length >= 2 && /^[0-9a-f]+$/.test(h) && [entry.serial, entry.sha1, entry.sha256].some((f) => f.toLowerCase().includes(h));
}

export function applyFilters(entries: ListEntry[], filters: Filters): ListEntry[] {
  return entries.filter(
    (e) =>
      inScope(e, filters) &&
      (filters.status === null || (filters.status === 'superseded' ? e.superseded : e.status === filters.status)) &&
      (filters.issuer === null || e.issuer_name === filters.issuer) &&
      (!filters.clientAuthOnly || e.client_auth) &&
      matchesSearch(e, filters.search),
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
