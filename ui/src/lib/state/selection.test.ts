import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { entry } from '../../test/entries';
import { backend, listings } from '../../test/ipc';
import { Filtering } from './filtering.svelte';
import { CertificateListing } from './listing.svelte';
import { ListSelection } from './selection.svelte';

afterEach(() => clearMocks());

const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => entry({ id, name: id }));

async function listed(...lists: (typeof a)[][]) {
  backend({ list_certificates: listings(...lists) });
  const listing = new CertificateListing();
  const filtering = new Filtering(listing);
  const selection = new ListSelection(listing, filtering);
  await listing.load();
  return { listing, filtering, selection };
}

describe('ListSelection', () => {
  it('keeps what a refresh still lists selected and forgets what vanished', async () => {
    const { listing, selection } = await listed([a, b, c, d], [a, c, d]);
    selection.ids = new Set(['a', 'b', 'd']);
    selection.focused = 'b';
    await listing.load();
    expect([...selection.ids].sort()).toEqual(['a', 'd']);
    expect(selection.focused).toBeNull();
    expect(selection.entries).toEqual([a, d]);
  });

  it('keeps the focus on a row that is still there', async () => {
    const { listing, selection } = await listed([a, b], [b]);
    selection.focused = 'b';
    await listing.load();
    expect(selection.focused).toBe('b');
    expect(selection.focusedEntry).toEqual(b);
  });

  it('acts on the selected rows the filters show, in list order', async () => {
    const { filtering, selection } = await listed([a, b, c]);
    expect(selection.isEmpty).toBe(true);
    selection.ids = new Set(['c', 'a']);
    expect(selection.entries).toEqual([a, c]);
    filtering.search = 'CN=c';
    await vi.waitFor(() => expect(selection.entries).toEqual([c]));
    filtering.search = 'nobody';
    await vi.waitFor(() => expect(selection.isEmpty).toBe(true));
    selection.focused = 'b';
    expect(selection.isEmpty).toBe(false);
    expect(selection.focusedEntry).toBe(b);
  });
});
