// Which rows are selected and which one has the focus (the detail pane's).
import type { ListEntry } from '../api';
import type { Filtering } from './filtering.svelte';
import type { CertificateListing } from './listing.svelte';

export class ListSelection {
  #listing: CertificateListing;
  #filtering: Filtering;

  /** Replaced whole by the list on each change, never changed in place. */
  ids = $state.raw(new Set<string>());
  focused = $state<string | null>(null);
  /** A row the list is to scroll to once it shows it (see `reveal`). */
  revealing = $state<string | null>(null);

  // `$derived.by`: read lazily, after the constructor has set the fields they use
  // (TypeScript cannot tell a `$derived(…)` argument is not evaluated at once).
  readonly focusedEntry: ListEntry | null = $derived.by(() => (this.focused ? (this.#listing.byId.get(this.focused) ?? null) : null));
  /** The selected rows the filters show, in list order: what Export and Delete act on. */
  readonly entries: ListEntry[] = $derived.by(() => {
    const ids = this.ids; // read once, not once per row: it is a getter
    return this.#filtering.shown.filter((e) => ids.has(e.id));
  });
  /** What Export and Delete act on: the selected rows, else the focused one. */
  readonly targets: ListEntry[] = $derived.by(() => (this.entries.length ? this.entries : this.focusedEntry ? [this.focusedEntry] : []));
  /** Nothing selected and nothing focused: Export and Delete have nothing to act on. */
  readonly isEmpty = $derived(this.targets.length === 0);

  constructor(listing: CertificateListing, filtering: Filtering) {
    this.#listing = listing;
    this.#filtering = filtering;
    listing.onload((byId) => this.keepPresent(byId));
  }

  /** Selects and focuses the certificate `id`, clearing the filters and the search when
   *  they hide it (the list scrolls to the focused row). */
  reveal(id: string) {
    const entry = this.#listing.byId.get(id);
    if (!entry) return;
    if (!this.#filtering.shown.some((e) => e.id === id)) this.#filtering.showEverything(entry.is_ca);
    this.ids = new Set([id]);
    this.focused = id;
    this.revealing = id;
  }

  /** Forgets what a refresh no longer lists; keeps the rest selected. */
  keepPresent(byId: ReadonlyMap<string, ListEntry>) {
    const present = [...this.ids].filter((id) => byId.has(id));
    if (present.length < this.ids.size) this.ids = new Set(present);
    if (this.focused !== null && !byId.has(this.focused)) this.focused = null;
  }
}
