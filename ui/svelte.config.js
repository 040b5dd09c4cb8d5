// Svelte's defaults; the file exists so the tooling stops guessing.
export default {};
