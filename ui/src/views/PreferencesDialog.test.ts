import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import PreferencesDialog from './PreferencesDialog.svelte';
import type { Preference, PreferenceDeletion } from '../lib/api';

afterEach(() => clearMocks());

const login = '/Users/yamada/Library/Keychains/login.keychain-db';

/** Two items for one site (as the core reports them: each its own id), one in the System keychain. */
const prefs: Preference[] = [
  {
    id: 'aaaa1111', service: 'https://portal.example.jp/ (com.apple.Safari)', account: '山田 太郎 ', keychain: login,
    site: 'https://portal.example.jp/', app: 'com.apple.Safari', form: { kind: 'url', host: 'portal.example.jp' }, never_applies: null,
    target: { state: 'missing' }, stale: { reason: 'certificate_missing' }, renewal: null,
  },
  {
    id: 'bbbb2222', service: 'https://portal.example.jp/', account: '山田 太郎 ', keychain: login,
    site: 'https://portal.example.jp/', app: null, form: { kind: 'url', host: 'portal.example.jp' }, never_applies: 'url_without_app',
    target: { state: 'missing' }, stale: { reason: 'certificate_missing' }, renewal: null,
  },
  {
    id: 'cccc3333', service: 'https://intranet.example.jp/ (com.apple.Safari)', account: 'PC-0042 ', keychain: '/Library/Keychains/System.keychain',
    site: 'https://intranet.example.jp/', app: 'com.apple.Safari', form: { kind: 'url', host: 'intranet.example.jp' }, never_applies: null,
    target: { state: 'certificate', id: 'machine', name: 'PC-0042', status: 'valid', has_key: true, location: { kind: 'keychain', name: '/Library/Keychains/System.keychain' } },
    stale: null,
    renewal: null,
  },
];

describe('site preferences', () => {
  it('shows where each certificate lives, which items no app reads, and every outcome of a deletion', async () => {
    const asked: string[][] = [];
    mockIPC((cmd, payload) => {
      if (cmd === 'list_preferences') return asked.length ? [prefs[2]] : prefs;
      if (cmd !== 'delete_preferences') throw { kind: 'internal', message: `no mock for ${cmd}` };
      const ids = (payload as { ids: string[] }).ids;
      asked.push(ids);
      const outcomes: PreferenceDeletion[] = [
        { preference: prefs[0], outcome: 'deleted' },
        { preference: prefs[1], outcome: 'failed', kind: 'store', message: 'the keychain is locked, or would not ask you; unlock it in Keychain Access' },
      ];
      return outcomes;
    });
    render(PreferencesDialog, { supported: true, byId: new Map(), language: 'en', onclose: () => {} });
    expect(await screen.findByText('PC-0042')).toBeTruthy();
    expect(screen.getByText(/in \/Library\/Keychains\/System.keychain/)).toBeTruthy();
    expect(screen.getByText(/Never used: since macOS 12/)).toBeTruthy();
    expect(screen.getAllByText(/Stale: the certificate is no longer installed/)).toHaveLength(2);

    await fireEvent.click(screen.getByRole('button', { name: 'Delete all stale' }));
    await fireEvent.click(within(screen.getByRole('alert')).getByRole('button', { name: 'Delete' }));
    expect(asked).toEqual([['aaaa1111', 'bbbb2222']]);
    expect(await screen.findByText('✓ Deleted 1 preference.')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Not deleted: https://portal.example.jp/: the keychain is locked');
  });
});

describe('pointing a stale preference at its renewal', () => {
  const expired: Preference = {
    id: 'dddd4444', service: 'https://mail.example.jp/ (com.apple.Safari)', account: '山田 太郎 (2025) ', keychain: login,
    site: 'https://mail.example.jp/', app: 'com.apple.Safari', form: { kind: 'url', host: 'mail.example.jp' }, never_applies: null,
    target: { state: 'certificate', id: 'old', name: '山田 太郎', status: 'expired', has_key: true, location: { kind: 'login' } },
    stale: { reason: 'expired' },
    renewal: 'new',
  };

  it('offers the renewal the core found, by name, and says what became of it', async () => {
    const asked: string[][] = [];
    mockIPC((cmd, payload) => {
      if (cmd === 'list_preferences') return asked.length ? [{ ...expired, stale: null, renewal: null }] : [expired, prefs[0]];
      if (cmd !== 'repair_preferences') throw { kind: 'internal', message: `no mock for ${cmd}` };
      asked.push((payload as { ids: string[] }).ids);
      return [{ preference: expired, outcome: 'repointed', to: 'new', to_name: '山田 太郎 (2026)' }];
    });
    const byId = new Map([['new', { name: '山田 太郎 (2026)' } as never]]);
    const { container } = render(PreferencesDialog, { supported: true, byId, language: 'en', onclose: () => {} });
    const button = await screen.findByRole('button', { name: 'Use the renewal: 山田 太郎 (2026)' });
    expect(container.querySelectorAll('[data-action=repair]')).toHaveLength(1); // only the one with a renewal
    await fireEvent.click(button);
    expect(asked).toEqual([['dddd4444']]);
    expect(await screen.findByText('✓ https://mail.example.jp/ now gets 山田 太郎 (2026).')).toBeTruthy();
  });
});
