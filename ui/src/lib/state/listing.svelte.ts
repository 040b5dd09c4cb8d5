// The store's certificates as last listed, their trust, and the clock their
// expiry lines are read against: what every view of the list starts from.
import { flushSync } from 'svelte';
import { listCertificates, listTrust, reportFirstRows, type ListEntry, type Listing, type Trust } from '../api';

/** Told the entries of each new listing, by id, as soon as it is set. */
export type LoadListener = (byId: ReadonlyMap<string, ListEntry>) => void;

export class CertificateListing {
  // Replaced whole on every refresh, never changed in place: raw state, so
  // 2,000 entries are not wrapped in reactive proxies that every filter pass
  // would read through.
  current = $state.raw<Listing | null>(null);
  trust = $state.raw<Record<string, Trust>>({});
  /** Why the last listing failed; null once one succeeds. */
  failure = $state.raw<unknown>(null);
  /** When the listing was read: "expires in 3 days" counts from here. */
  now = $state(new Date());

  /** In the core's list order; the views only narrow them. */
  readonly entries = $derived(this.current?.entries ?? []);
  readonly byId = $derived(new Map(this.entries.map((e) => [e.id, e])));
  /** Whether "Export all" has anything to export. */
  readonly hasExportable = $derived(this.entries.some((e) => e.exportable));

  #listeners: LoadListener[] = [];
  #loadedOnce = false;

  /** `listener` runs after each successful load, before anything is painted. */
  onload(listener: LoadListener) {
    this.#listeners.push(listener);
  }

  async load() {
    this.failure = null;
    let listing: Listing;
    const asked = performance.now();
    try {
      listing = await listCertificates();
    } catch (e) {
      this.failure = e;
      return;
    }
    const arrived = performance.now();
    this.current = listing;
    this.now = new Date();
    for (const listener of this.#listeners) listener(this.byId);
    if (!this.#loadedOnce) {
      const set = performance.now();
      flushSync(); // the DOM updated now, not in a microtask: the launch report times it alone
      const drawn = performance.now();
      this.#loadedOnce = true;
      // Two frames: the first runs before the rows are painted, the second after. The
      // first time, trust (the system's roots, and the store read again) waits for that
      // paint, so that it does not compete with the window's first rows for the CPU.
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          if (listing.entries.length > 0) reportFirstRows({ asked, arrived, set, drawn, painted: performance.now() });
          this.#readTrust();
        }),
      );
      return;
    }
    this.#readTrust();
  }

  /** Trust fills in after the list shows. */
  #readTrust() {
    listTrust().then((t) => (this.trust = t), () => (this.trust = {}));
  }
}
