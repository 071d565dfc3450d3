export * from './source';
export * from './zip-archive';
export * from './entry-data';
export * from './names';
