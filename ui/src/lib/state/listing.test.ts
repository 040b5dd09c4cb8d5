import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { entry } from '../../test/entries';
import { backend, listings, nextFrame } from '../../test/ipc';
import { CertificateListing } from './listing.svelte';

// A listing with rows reports them two frames later: to the test that made it.
afterEach(async () => {
  await nextFrame();
  await nextFrame();
  clearMocks();
});

const alice = entry({ id: 'alice', has_private_key: false, key: 'none' });
const bob = entry({ id: 'bob' });

describe('CertificateListing', () => {
  it('keeps the core order, indexes the entries by id and fills in trust after the list', async () => {
    let trusted: ((t: unknown) => void) | undefined;
    backend({ list_certificates: listings([bob, alice]), list_trust: () => new Promise((resolve) => (trusted = resolve)) });
    const listing = new CertificateListing();
    const before = listing.now;
    await listing.load();
    expect(listing.entries.map((e) => e.id)).toEqual(['bob', 'alice']);
    expect(listing.byId.get('alice')).toBe(alice);
    expect(listing.hasExportable).toBe(true);
    expect(listing.now.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(listing.trust).toEqual({});
    await expect.poll(() => trusted).toBeDefined();
    trusted!({ bob: { trust: 'trusted' } });
    await expect.poll(() => listing.trust).toEqual({ bob: { trust: 'trusted' } });
  });

  it('shows a failed listing, and forgets the failure once a retry succeeds', async () => {
    let fail = true;
    backend({
      list_certificates: () => {
        if (fail) throw { kind: 'store_unavailable', message: 'the store is locked' };
        return { store: 'nss:/tmp/db', entries: [alice], preferences_supported: false };
      },
    });
    const listing = new CertificateListing();
    await listing.load();
    expect(listing.failure).toEqual({ kind: 'store_unavailable', message: 'the store is locked' });
    expect(listing.current).toBeNull();
    fail = false;
    await listing.load();
    expect(listing.failure).toBeNull();
    expect(listing.entries).toEqual([alice]);
  });

  it('tells the listeners of each new listing, by id', async () => {
    backend({ list_certificates: listings([alice, bob], [bob]) });
    const listing = new CertificateListing();
    const heard: string[][] = [];
    listing.onload((byId) => heard.push([...byId.keys()]));
    await listing.load();
    await listing.load();
    expect(heard).toEqual([['alice', 'bob'], ['bob']]);
  });

  it('reports the first rows once, after two frames, and never again', async () => {
    const calls = backend({ list_certificates: listings([alice]) });
    const reports = () => calls.filter((c) => c.cmd === 'first_rows_painted').length;
    const listing = new CertificateListing();
    await listing.load();
    await nextFrame();
    expect(reports()).toBe(0);
    await nextFrame();
    expect(reports()).toBe(1);
    await listing.load();
    await nextFrame();
    await nextFrame();
    await nextFrame();
    expect(reports()).toBe(1);
    // `first_rows_painted` has no answer here: the failure is ignored.
    expect(listing.failure).toBeNull();
  });

  it('asks for trust the first time only after the first rows are painted, then with each listing', async () => {
    const calls = backend({ list_certificates: listings([alice]), list_trust: () => ({}) });
    const asked = () => calls.map((c) => c.cmd).filter((cmd) => cmd !== 'list_certificates' && cmd !== 'search_certificates');
    const listing = new CertificateListing();
    await listing.load();
    await nextFrame();
    expect(asked()).toEqual([]);
    await nextFrame();
    expect(asked()).toEqual(['first_rows_painted', 'list_trust']);
    await listing.load();
    expect(asked()).toEqual(['first_rows_painted', 'list_trust', 'list_trust']);
  });

  it('reports nothing when the first listing is empty, nor when rows come later', async () => {
    const calls = backend({ list_certificates: listings([], [alice]) });
    const listing = new CertificateListing();
    await listing.load();
    await listing.load();
    for (let i = 0; i < 3; i++) await nextFrame();
    expect(calls.some((c) => c.cmd === 'first_rows_painted')).toBe(false);
  });

  it('reports after a failed first try, once a listing with rows succeeds', async () => {
    let fail = true;
    const calls = backend({
      list_certificates: () => {
        if (fail) throw { kind: 'internal', message: 'no' };
        return { store: 'nss:/tmp/db', entries: [alice], preferences_supported: false };
      },
    });
    const listing = new CertificateListing();
    await listing.load();
    fail = false;
    await listing.load();
    await nextFrame();
    await nextFrame();
    expect(calls.filter((c) => c.cmd === 'first_rows_painted')).toHaveLength(1);
  });
});
