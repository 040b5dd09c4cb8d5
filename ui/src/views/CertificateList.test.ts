import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import CertificateList from './CertificateList.svelte';
import type { ListEntry } from '../lib/api';

function entry(over: Partial<ListEntry>): ListEntry {
  return {
    id: 'x', subject: 'CN=x', issuer: 'CN=CA', name: 'x', issuer_name: 'Enterprise Premium CA - G2', email: null,
    serial: '01', sha1: '', sha256: '', not_before: '2025-01-01T00:00:00Z', not_after: '2027-04-01T00:00:00Z',
    status: 'valid', superseded: false, superseded_by: null, duplicate_group: null, has_private_key: true,
    key_exportable: true, key: 'exportable', friendly_name: null, client_auth: true, is_ca: false, store: 'nss:/tmp',
    ...over,
  };
}

describe('CertificateList', () => {
  it('dims a superseded certificate and names its successor by expiry', () => {
    const entries = [
      entry({ id: 'new', name: '山田 太郎', duplicate_group: 'g' }),
      entry({ id: 'old', name: '山田 太郎', duplicate_group: 'g', status: 'expired', superseded: true, superseded_by: 'new', not_after: '2025-06-01T00:00:00Z' }),
    ];
    const { container } = render(CertificateList, { entries, language: 'en' });
    const old = container.querySelector('tr[data-id="old"]')!;
    expect(old.classList.contains('superseded')).toBe(true);
    expect(old.textContent).toContain('Superseded by the one expiring Apr 1, 2027');
    expect(screen.getAllByText('山田 太郎')).toHaveLength(2);
    expect(screen.getByText('Expired')).toBeTruthy();
  });

  it('speaks Japanese', () => {
    render(CertificateList, { entries: [entry({ status: 'expiring' })], language: 'ja' });
    expect(screen.getByText('まもなく期限切れ')).toBeTruthy();
    expect(screen.getByText('発行者')).toBeTruthy();
  });
});
