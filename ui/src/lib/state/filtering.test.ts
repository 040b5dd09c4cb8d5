import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { entry } from '../../test/entries';
import { backend, listings, searchSubjects } from '../../test/ipc';
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

    filtering.search = 'hanako';
    await vi.waitFor(() => expect(filtering.shown).toEqual([hanako]));
    expect(filtering.foundFor).toBe('hanako');
    // The search does not change the counts: they are not made again per keystroke.
    expect(filtering.facets).toBe(facets);

    filtering.filters.showAuthorities = true;
    expect(filtering.facets.total).toBe(3);
    filtering.search = ' ';
    // Blank text is the core's to judge: until it answers, the last answer stays up.
    expect(filtering.shown).toEqual([hanako]);
    await vi.waitFor(() => expect(filtering.shown).toEqual([ca, taro, hanako]));
    expect(filtering.foundFor).toBe(' ');
    await listing.load();
    expect(filtering.shown).toEqual([ca, hanako]);
  });

  it('shows the answer to the latest keystroke, and searches each new listing again', async () => {
    const [taro, hanako, jiro] = ['Taro', 'Hanako', 'Jiro'].map((name) => entry({ id: name, name }));
    let answerSlowly: ((positions: number[]) => void) | undefined;
    let first = 0;
    backend({
      list_certificates: listings([taro, hanako], [taro, hanako, jiro]),
      // "o" finds Taro in the first listing, Taro and Jiro (positions 0 and 2) in the second.
      search_certificates: ({ text, generation }) =>
        text === '' ? searchSubjects({ text, generation }) : text === 'ta' ? new Promise((resolve) => (answerSlowly = resolve)) : text === 'hanako' ? [1] : generation === first ? [0] : [0, 2],
    });
    const listing = new CertificateListing();
    const filtering = new Filtering(listing);
    await listing.load();
    first = listing.current!.generation;
    filtering.search = 'ta';
    filtering.search = 'hanako';
    await vi.waitFor(() => expect(filtering.shown).toEqual([hanako]));
    answerSlowly!([0]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(filtering.shown).toEqual([hanako]);
    expect(filtering.foundFor).toBe('hanako');

    filtering.search = 'o';
    await vi.waitFor(() => expect(filtering.foundFor).toBe('o'));
    expect(filtering.shown).toEqual([taro]);
    await listing.load();
    await vi.waitFor(() => expect(filtering.shown).toEqual([taro, jiro]));
  });
});
