export type { EntryReader } from './entry-reader';
export { CLASS_EXTENSIONS } from './entry-reader';
export { detectLog4j, type DetectHint } from './detect-log4j';
