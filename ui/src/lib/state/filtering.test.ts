import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { entry } from '../../test/entries';
import { backend, listings } from '../../test/ipc';
import { Filtering } from './filtering.svelte';
import { CertificateListing } from './listing.svelte';

afterEach(() => clearMocks());

describe('Filtering', () => {
  it('narrows each new listing, and counts the facets again only when their scope changes', async () => {
    const ca = entry({ id: 'ca', name: 'Root CA', is_ca: true });
    const taro = entry({ id: 'taro', name: 'Taro' });
    const hanako = entry({ id: 'hanako', name: 'Hanako' });
    backend({ list_certificates: listings([ca, taro, hanako], [ca, hanako]) });
    const listing = new CertificateListing();
    const filtering = new Filtering(listing);
    await listing.load();
    expect(filtering.shown).toEqual([taro, hanako]);
    const facets = filtering.facets;
    expect(facets.total).toBe(2);

    filtering.filters.search = 'hanako';
    expect(filtering.shown).toEqual([hanako]);
    // The search does not change the counts: they are not made again per keystroke.
    expect(filtering.facets).toBe(facets);

    filtering.filters.showAuthorities = true;
    expect(filtering.facets.total).toBe(3);
    filtering.filters.search = '';
    await listing.load();
    expect(filtering.shown).toEqual([ca, hanako]);
  });
});
