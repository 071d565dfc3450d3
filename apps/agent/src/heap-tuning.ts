import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow between full collections, set when the agent's
 * bundle starts (the first import of main.ts). The agent runs on production servers, so its
 * peak memory is what every host pays.
 *
 * After a full collection V8 lets the old generation grow up to 4x its live size before the
 * next one when collections are cheap, which they are for the agent (a few MB live). A scan's
 * walk keeps batches of paths alive across a few young collections, so they are promoted
 * and then die: that garbage piled up to 30-40 MB on the walking thread of a whole-disk scan
 * with a single full collection in the run. With heap-growing-percent=40 the next full
 * collection comes once the old generation has grown by 40 %.
 *
 * The flag is read only when V8 computes the next limit after a full collection, so setting
 * it at start-up takes effect (Node's v8.setFlagsFromString; a value given on node's command
 * line or in NODE_OPTIONS wins). The young generation's size cannot be set this way: it is
 * fixed when an isolate is created (--max-semi-space-size on node's command line; the
 * scanner's worker threads set theirs through resourceLimits).
 */
const FLAG = '--heap-growing-percent=40';

const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
if (!/--heap[-_]growing[-_]percent/.test(given)) setFlagsFromString(FLAG);
