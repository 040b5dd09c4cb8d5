import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ListEntry } from '../api';
import { entry } from '../../test/entries';
import { backend, listings, type Answers } from '../../test/ipc';
import { Dialogs } from './dialogs.svelte';
import { Filtering } from './filtering.svelte';
import { LanguageSetting } from './language.svelte';
import { CertificateListing } from './listing.svelte';
import { ListSelection } from './selection.svelte';

afterEach(() => clearMocks());

const ca = entry({ id: 'ca', name: 'Issuing CA', is_ca: true, has_private_key: false, key_exportable: null, key: 'none' });
const ownCa = entry({ id: 'own-ca', name: 'My Own CA', is_ca: true });
const nokey = entry({ id: 'nokey', has_private_key: false, key_exportable: null, key: 'none' });
const locked = entry({ id: 'locked', key: 'not_exportable', key_exportable: false });
const taro = entry({ id: 'taro' });
const hanako = entry({ id: 'hanako' });
const store = [ca, ownCa, nokey, locked, taro, hanako];

async function app(answers: Answers = {}) {
  const calls = backend({ list_certificates: listings(store), ...answers });
  const language = new LanguageSetting();
  const listing = new CertificateListing();
  const selection = new ListSelection(listing, new Filtering(listing));
  const dialogs = new Dialogs(listing, selection, language);
  await listing.load();
  const listed = () => calls.filter((c) => c.cmd === 'list_certificates').length;
  return { calls, listed, language, listing, selection, dialogs };
}

const ids = (entries: ListEntry[]) => entries.map((e) => e.id);

describe('Dialogs', () => {
  it('"Export all" takes every entry with a key, a CA\'s own too, as the CLI\'s export-folder does, to a folder', async () => {
    const { dialogs } = await app();
    dialogs.startExport(true);
    expect(dialogs.current?.kind).toBe('export');
    if (dialogs.current?.kind !== 'export') return;
    // The locked key is kept: the export dialog says why it cannot go.
    expect(ids(dialogs.current.entries)).toEqual(['own-ca', 'locked', 'taro', 'hanako']);
    expect(ids(dialogs.current.entries.filter((e) => e.exportable))).toEqual(['own-ca', 'taro', 'hanako']);
    expect(dialogs.current.toFolder).toBe(true);
  });

  it('exports the selection, else the focused row, else opens nothing', async () => {
    const { dialogs, selection } = await app();
    dialogs.startExport();
    expect(dialogs.current).toBeNull();
    selection.focused = 'hanako';
    dialogs.startExport();
    expect(dialogs.current).toEqual({ kind: 'export', entries: [hanako], toFolder: false });
    selection.ids = new Set(['hanako', 'taro']);
    dialogs.startExport();
    expect(dialogs.current).toEqual({ kind: 'export', entries: [taro, hanako], toFolder: false });
  });

  it('deletes the selection, else the focused row', async () => {
    const { dialogs, selection } = await app();
    dialogs.startDelete();
    expect(dialogs.current).toBeNull();
    selection.focused = 'nokey';
    dialogs.startDelete();
    expect(dialogs.current).toEqual({ kind: 'delete', ids: ['nokey'] });
    selection.ids = new Set(['hanako', 'locked']);
    dialogs.startDelete();
    expect(dialogs.current).toEqual({ kind: 'delete', ids: ['locked', 'hanako'] });
  });

  it('goes from a deletion to its backup export and back to the same deletion, deleting nothing', async () => {
    const { dialogs, selection, calls, listed } = await app();
    selection.ids = new Set(['taro', 'hanako']);
    dialogs.startDelete();
    dialogs.backUpFirst([taro]);
    expect(dialogs.current).toEqual({ kind: 'export', entries: [taro], toFolder: false, resume: { kind: 'delete', ids: ['taro', 'hanako'] } });
    dialogs.exportClosed();
    expect(dialogs.current).toEqual({ kind: 'delete', ids: ['taro', 'hanako'] });
    dialogs.closed(false);
    expect(dialogs.current).toBeNull();
    expect(listed()).toBe(1);
    expect(calls.some((c) => c.cmd === 'delete_certificates')).toBe(false);
  });

  it('closes a plain export to nothing, and offers no backup outside a deletion', async () => {
    const { dialogs, selection } = await app();
    selection.focused = 'taro';
    dialogs.startExport();
    dialogs.backUpFirst([taro]);
    expect(dialogs.current).toEqual({ kind: 'export', entries: [taro], toFolder: false });
    dialogs.exportClosed();
    expect(dialogs.current).toBeNull();
  });

  it('reads the list again only after a dialog changed the store', async () => {
    const { dialogs, listed } = await app();
    dialogs.show('cleanup');
    dialogs.closed(false);
    expect(listed()).toBe(1);
    dialogs.show('cleanup');
    dialogs.closed(true);
    expect(dialogs.current).toBeNull();
    await expect.poll(listed).toBe(2);
  });

  it('applies saved settings: the language at once, the rest by listing again', async () => {
    const { dialogs, language, listed } = await app();
    dialogs.show('settings');
    dialogs.settingsClosed(null);
    expect(language.language).toBe('en');
    expect(listed()).toBe(1);
    dialogs.show('settings');
    dialogs.settingsClosed({ renewal_days: 30, language: 'ja', store: null });
    expect(dialogs.current).toBeNull();
    expect(language.language).toBe('ja');
    await expect.poll(listed).toBe(2);
  });

  it('imports the files chosen, and nothing when the chooser is cancelled', async () => {
    let answer: string[] | null = null;
    const { dialogs } = await app({ 'plugin:dialog|open': () => answer });
    await dialogs.startImport();
    expect(dialogs.current).toBeNull();
    answer = ['/home/me/a.pfx', '/home/me/b.p12'];
    await dialogs.startImport();
    expect(dialogs.current).toEqual({ kind: 'import', paths: ['/home/me/a.pfx', '/home/me/b.p12'] });
  });

  it('opens an import for dropped files only while no dialog is open', async () => {
    const { dialogs } = await app();
    dialogs.hovering(true);
    expect(dialogs.dropping).toBe(true);
    dialogs.dropped([]);
    expect(dialogs.dropping).toBe(false);
    expect(dialogs.current).toBeNull();
    dialogs.dropped(['/tmp/a.pfx']);
    expect(dialogs.current).toEqual({ kind: 'import', paths: ['/tmp/a.pfx'] });

    dialogs.hovering(true);
    expect(dialogs.dropping).toBe(false);
    dialogs.dropped(['/tmp/b.pfx']);
    expect(dialogs.current).toEqual({ kind: 'import', paths: ['/tmp/a.pfx'] });
    dialogs.closed(false);
    dialogs.hovering(true);
    dialogs.hovering(false);
    expect(dialogs.dropping).toBe(false);
  });
});
