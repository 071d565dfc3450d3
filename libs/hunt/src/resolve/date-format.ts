/**
 * `${date:FORMAT}` as Java's SimpleDateFormat prints it, for the parts an attacker controls:
 * quoted text is literal (`${date:'j'}` is "j"), `''` is a quote, other non-letters are literal.
 * Pattern letters print a date, never a chosen letter: they become "0".
 */
export function formatDateLookup(format: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === "'") {
      if (format[i + 1] === "'") {
        out += "'";
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (quoted || !/[A-Za-z]/.test(c)) {
      out += c;
    } else {
      out += '0';
    }
  }
  return out;
}
