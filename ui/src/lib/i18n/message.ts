// A message is a string, or for one that counts ({count}) a form for each
// plural category of its language, chosen by Intl.PluralRules: English has
// "one" and "other" ("1 certificate", "3 certificates"), Japanese only "other".

export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralForms;

/** The form of `message` for `count` in `language`. */
export function formFor(message: Message, language: string, count: number | undefined): string {
  if (typeof message === 'string') return message;
  const category = count === undefined ? 'other' : pluralRules(language).select(count);
  return message[category] ?? message.other;
}

const rules = new Map<string, Intl.PluralRules>();
function pluralRules(language: string): Intl.PluralRules {
  let made = rules.get(language);
  if (!made) {
    made = new Intl.PluralRules(language);
    rules.set(language, made);
  }
  return made;
}
