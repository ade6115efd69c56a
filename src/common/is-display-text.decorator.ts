import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Characters refused in text people read (job names on the dashboard, in logs and in lists):
 * control characters (C0, DEL, C1: `\p{Cc}`) break lines and terminals; bidirectional controls
 * (`\p{Bidi_Control}`: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) reorder what is
 * shown, so "x\u202Eevil" reads as "xlive"; an unpaired surrogate (`\p{Cs}`) is no character at all.
 */
const HIDDEN = /[\p{Cc}\p{Bidi_Control}\p{Cs}]/u;
/** Empty, or only whitespace and invisible format characters (zero-width space, BOM…). */
const INVISIBLE_ONLY = /^[\s\p{Cf}]*$/u;

/** Why `text` is not fit to show, or undefined when it is. Refused, not normalised: the name stays what was sent. */
export function displayTextProblem(text: string): string | undefined {
  const hidden = HIDDEN.exec(text);
  if (hidden) {
    const [char] = hidden;
    const codePoint = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const kind = /\p{Cc}/u.test(char)
      ? 'a control character'
      : /\p{Cs}/u.test(char)
        ? 'an unpaired surrogate'
        : 'a bidirectional control';
    return `must not contain ${kind} (${codePoint})`;
  }
  if (INVISIBLE_ONLY.test(text)) return 'must contain a visible character, not only whitespace';
  return undefined;
}

/**
 * A string fit to show to people: no control or bidirectional characters, not only whitespace
 * (see displayTextProblem). Combine with @Length for the size.
 */
export function IsDisplayText(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDisplayText',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && displayTextProblem(value) === undefined,
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          return (typeof value === 'string' && displayTextProblem(value)) || 'must be a string';
        },
      },
    });
}
