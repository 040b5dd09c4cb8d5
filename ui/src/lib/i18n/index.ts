import { en, type MessageKey } from './en';
import { ja } from './ja';
import { formFor, type Message } from './message';

export type Language = 'en' | 'ja';
export type { MessageKey };

const catalogues: Record<Language, Record<MessageKey, Message>> = { en, ja };

/** The OS locale decides, as the brief asks: Japanese for ja-*, else English. */
export function languageFor(locale: string | undefined): Language {
  return locale?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/** The language setting ("auto", "ja", "en") applied to the system's locale. */
export function chosenLanguage(setting: string | undefined, locale: string | undefined): Language {
  return setting === 'ja' || setting === 'en' ? setting : languageFor(locale);
}

/** The message `key` in `language`: its plural form for `params.count`, numbers written the language's way. */
export function translate(language: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  const count = typeof params.count === 'number' ? params.count : undefined;
  const text = formFor(catalogues[language][key], pluralRules(language), count);
  return text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) return `{${name}}`;
    return typeof value === 'number' ? numberFormat(language).format(value) : value;
  });
}

// Intl formatters are costly to make (milliseconds each in WebKit) and every
// visible row uses two, so one of each is kept per language.
function formatterCache<T>(make: (language: Language) => T): (language: Language) => T {
  const made = new Map<Language, T>();
  return (language) => {
    let formatter = made.get(language);
    if (formatter === undefined) {
      formatter = make(language);
      made.set(language, formatter);
    }
    return formatter;
  };
}

const numberFormat = formatterCache((l) => new Intl.NumberFormat(l));
const pluralRules = formatterCache((l) => new Intl.PluralRules(l));
const dateFormat = formatterCache((l) => new Intl.DateTimeFormat(l, { dateStyle: 'medium' }));
const dateTimeFormat = formatterCache((l) => new Intl.DateTimeFormat(l, { dateStyle: 'long', timeStyle: 'short' }));
const relativeFormat = formatterCache((l) => new Intl.RelativeTimeFormat(l, { numeric: 'auto' }));

export function formatDate(language: Language, iso: string): string {
  return dateFormat(language).format(new Date(iso));
}

export function formatDateTime(language: Language, iso: string): string {
  return dateTimeFormat(language).format(new Date(iso));
}

const DAY = 86_400_000;

/** "in 23 days", "3 months ago": days up to 45, months up to 18, then years. */
export function relativeTime(language: Language, iso: string, now: Date): string {
  const days = Math.round((new Date(iso).getTime() - now.getTime()) / DAY);
  const format = relativeFormat(language);
  const abs = Math.abs(days);
  if (abs <= 45) return format.format(days, 'day');
  if (abs <= 548) return format.format(Math.round(days / 30.44), 'month');
  return format.format(Math.round(days / 365.25), 'year');
}

/** The list's expiry line: "in 23 days" or "expired 3 months ago". */
export function expiryText(language: Language, iso: string, now: Date): string {
  const past = new Date(iso).getTime() < now.getTime();
  return translate(language, past ? 'expires.past' : 'expires.future', { when: relativeTime(language, iso, now) });
}

export const catalogueKeys = { en: Object.keys(en), ja: Object.keys(ja) };
/** Every catalogue, for the tests that check their forms. */
export const allCatalogues = catalogues;
