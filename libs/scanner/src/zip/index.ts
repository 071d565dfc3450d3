export * from './random-access.source';
export * from './zip-archive.reader';
export * from './entry-data.reader';
export * from './entry-names.rules';
