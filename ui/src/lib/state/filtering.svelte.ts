// The sidebar's facets and the search box over the listing, and what they let through.
import { applyFilters, facetsOf, noFilters, type Filters } from '../filter';
import type { CertificateListing } from './listing.svelte';

export class Filtering {
  #listing: CertificateListing;

  /** Deep state: the search box binds to `filters.search`, and the facet counts, which read
   *  only `showAuthorities`, are not counted again on every keystroke. */
  filters = $state<Filters>({ ...noFilters });

  // `$derived.by`: read lazily, after the constructor has set the fields they use
  // (TypeScript cannot tell a `$derived(…)` argument is not evaluated at once).
  readonly facets = $derived.by(() => facetsOf(this.#listing.entries, this.filters));
  // Sorted once per listing, not per keystroke: filtering keeps the core's order.
  readonly shown = $derived.by(() => applyFilters(this.#listing.entries, this.filters));

  constructor(listing: CertificateListing) {
    this.#listing = listing;
  }
}
