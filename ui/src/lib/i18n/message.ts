// A message is a string, or for one that counts ({count}) a form for each
// plural category of its language, chosen by Intl.PluralRules: English has
// "one" and "other" ("1 certificate", "3 certificates"), Japanese only "other".

export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralForms;

/** The form of `message` for `count`, chosen by its language's `rules`. */
export function formFor(message: Message, rules: Intl.PluralRules, count: number | undefined): string {
  if (typeof message === 'string') return message;
  return message[count === undefined ? 'other' : rules.select(count)] ?? message.other;
}
