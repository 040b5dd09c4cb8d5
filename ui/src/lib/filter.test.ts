import { describe, expect, it } from 'vitest';
import { applyFilters, facetsOf, noFilters, passwordStrength } from './filter';
import { entry } from '../test/entries';

const entries = [
  entry({ id: 'a', name: 'Alice', status: 'expired', issuer_name: 'Enterprise Premium CA - G2' }),
  entry({ id: 'b', name: 'Bob', status: 'valid', issuer_name: 'Other CA', client_auth: false }),
  entry({ id: 'h1', name: 'Hanako', duplicate_group: 'g', not_after: '2028-01-01T00:00:00Z' }),
  entry({ id: 'h2', name: 'Hanako', duplicate_group: 'g', superseded: true, superseded_by: 'h1', not_after: '2027-01-01T00:00:00Z' }),
  entry({ id: 'ca', name: 'Enterprise Premium CA - G2', is_ca: true, has_private_key: false }),
];

describe('facets and filters', () => {
  it('count statuses, superseded and issuers over personal certificates', () => {
    const f = facetsOf(entries, noFilters);
    expect(f.total).toBe(4);
    expect(f.status).toEqual({ valid: 3, expiring: 0, not_yet_valid: 0, expired: 1, superseded: 1 });
    expect(f.issuers).toEqual([['Enterprise Premium CA - G2', 3], ['Other CA', 1]]);
    expect(f.authorities).toBe(1);
  });

  it('filter by status, superseded, issuer, client authentication and show CAs on request', () => {
    const ids = (filters: Partial<typeof noFilters>) => applyFilters(entries, { ...noFilters, ...filters }).map((e) => e.id);
    expect(ids({ status: 'expired' })).toEqual(['a']);
    expect(ids({ status: 'superseded' })).toEqual(['h2']);
    expect(ids({ issuer: 'Other CA' })).toEqual(['b']);
    expect(ids({ clientAuthOnly: true })).toEqual(['a', 'h1', 'h2']);
    expect(ids({ showAuthorities: true })).toContain('ca');
  });

  it('let through only what the search found, when it found anything', () => {
    expect(applyFilters(entries, noFilters, new Set(['h2', 'b'])).map((e) => e.id)).toEqual(['b', 'h2']);
    expect(applyFilters(entries, noFilters, new Set())).toEqual([]);
    expect(applyFilters(entries, noFilters, null)).toHaveLength(4);
  });

  it('keep the order the entries came in (the core\'s list order)', () => {
    expect(applyFilters([...entries].reverse(), { ...noFilters, showAuthorities: true }).map((e) => e.id)).toEqual(
      [...entries].reverse().map((e) => e.id),
    );
  });

  it('rate passwords roughly', () => {
    expect(passwordStrength('')).toBe('empty');
    expect(passwordStrength('abc')).toBe('weak');
    expect(passwordStrength('abcdefgh')).toBe('fair');
    expect(passwordStrength('correct horse battery')).toBe('strong');
  });
});
