import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import type { ListEntry, OpenedFile } from '../api';
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
  const filtering = new Filtering(listing);
  const selection = new ListSelection(listing, filtering);
  const dialogs = new Dialogs(listing, selection, language);
  await listing.load();
  const listed = () => calls.filter((c) => c.cmd === 'list_certificates').length;
  return { calls, listed, language, listing, filtering, selection, dialogs };
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
    dialogs.settingsClosed({ renewal_days: 30, language: 'ja', store: null, token_modules: [], reminders: false, reminders_offered: false });
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

  it('opens dropped files only while no dialog is open', async () => {
    const { dialogs } = await app();
    dialogs.hovering(true);
    expect(dialogs.dropping).toBe(true);
    dialogs.dropped([]);
    expect(dialogs.dropping).toBe(false);
    expect(dialogs.current).toBeNull();
    dialogs.dropped([importing('/tmp/a.pfx')]);
    expect(dialogs.current).toEqual({ kind: 'import', paths: ['/tmp/a.pfx'] });

    dialogs.hovering(true);
    expect(dialogs.dropping).toBe(false);
    dialogs.dropped([importing('/tmp/b.pfx')]);
    expect(dialogs.current).toEqual({ kind: 'import', paths: ['/tmp/a.pfx'] });
    dialogs.closed(false);
    expect(dialogs.current, 'a drop the window did not show as accepted is not kept').toBeNull();
    dialogs.hovering(true);
    dialogs.hovering(false);
    expect(dialogs.dropping).toBe(false);
  });

  it('opens files handed over while a dialog is open once it closes: the .pfx files together, each certificate file alone', async () => {
    const { dialogs } = await app();
    dialogs.show('settings');
    dialogs.openFiles([importing('/a/1.pfx'), importing('/a/2.p12'), inspecting('/a/ca.cer')]);
    dialogs.openFiles([inspecting('/a/root.crt'), importing('/a/3.pfx')]);
    expect(dialogs.current).toEqual({ kind: 'settings' });
    dialogs.settingsClosed(null);
    expect(dialogs.current).toEqual({ kind: 'import', paths: ['/a/1.pfx', '/a/2.p12'] });
    dialogs.closed(true);
    expect(dialogs.current).toEqual({ kind: 'certificate-file', path: '/a/ca.cer' });
    dialogs.closed();
    expect(dialogs.current).toEqual({ kind: 'certificate-file', path: '/a/root.crt' });
    dialogs.closed();
    expect(dialogs.current).toEqual({ kind: 'import', paths: ['/a/3.pfx'] });
    dialogs.closed();
    expect(dialogs.current).toBeNull();
  });

  it('"Show it in the list" closes the file\'s dialog on the store\'s row, clearing what hides it', async () => {
    const { dialogs, selection, filtering } = await app();
    filtering.search = 'nothing matches this';
    await waitFor(() => expect(filtering.shown).toHaveLength(0));
    dialogs.openFiles([inspecting('/a/ca.cer')]);
    dialogs.showInList('ca');
    expect(dialogs.current).toBeNull();
    expect([...selection.ids]).toEqual(['ca']);
    expect(selection.focused).toBe('ca');
    expect(selection.revealing, 'the list scrolls to it').toBe('ca');
    expect(filtering.search).toBe('');
    expect(filtering.filters.showAuthorities, 'an authority is shown with the authorities').toBe(true);
    await waitFor(() => expect(ids(filtering.shown)).toContain('ca'));
  });
});

const importing = (path: string): OpenedFile => ({ path, opening: 'import' });
const inspecting = (path: string): OpenedFile => ({ path, opening: 'inspect' });
