// The sidebar's facets and the search box over the listing, and what they let through.
// The facets are views of fields the core filled in; what a search finds is the core's
// rule (crates/core/src/actions/search.rs), asked on each keystroke.
import { searchCertificates } from '../api';
import { applyFilters, facetsOf, noFilters, type Filters } from '../filter';
import type { CertificateListing } from './listing.svelte';


export class Filtering {
  #listing: CertificateListing;

  /** Deep state: the sidebar binds to it, and the facet counts, which read only
   *  `showAuthorities`, are not counted again on every keystroke. */
  filters = $state<Filters>({ ...noFilters });

  #search = $state('');
  /** The text whose answer is shown, and the ids the core found for it: `null` when
   *  it found every row (blank text). Kept until the next answer arrives, so the list
   *  does not flash back to everything; kept apart so that an answer that lets every
   *  row through (a new listing, searched blank) does not draw the list again. */
  #foundFor = $state('');
  #foundIds = $state.raw<ReadonlySet<string> | null>(null);
  /** Counts the questions asked, so that only the answer to the latest one is shown. */
  #asked = 0;

  // `$derived.by`: read lazily, after the constructor has set the fields they use
  // (TypeScript cannot tell a `$derived(…)` argument is not evaluated at once).
  readonly facets = $derived.by(() => facetsOf(this.#listing.entries, this.filters));
  // Sorted once per listing, not per keystroke: filtering keeps the core's order.
  readonly shown = $derived.by(() => applyFilters(this.#listing.entries, this.filters, this.#foundIds));

  constructor(listing: CertificateListing) {
    this.#listing = listing;
    // A new listing (a refresh, an import) is searched again: its positions are new.
    listing.onload(() => this.#ask(this.#search));
  }

  /** What the search box holds (it binds here). */
  get search(): string {
    return this.#search;
  }

  set search(text: string) {
    this.#search = text;
    this.#ask(text);
  }

  /** No facet and no search: every certificate, and the authorities too when `authorities`. */
  showEverything(authorities: boolean) {
    this.filters = { ...noFilters, showAuthorities: authorities || this.filters.showAuthorities };
    this.search = '';
  }

  /** The text whose answer the list shows ('' before any). */
  get foundFor(): string {
    return this.#foundFor;
  }

  async #ask(text: string) {
    const asked = ++this.#asked;
    const current = this.#listing.current;
    // Blank text is the core's to judge too: it answers with every position.
    if (current === null) return;
    let positions: number[] | null;
    try {
      positions = await searchCertificates(current.generation, text);
    } catch {
      return; // the search answers from memory; a failure leaves the last answer up
    }
    // A newer keystroke or listing asked again: its answer is the one to show.
    if (asked !== this.#asked || positions === null) return;
    this.#foundIds = positions.length === current.entries.length ? null : new Set(positions.map((p) => current.entries[p].id));
    this.#foundFor = text;
  }
}
