export * from './types';
export * from './detect';
export * from './engine';
export * from './walk/walker';
export * from './zip';
export { ScanProblem, problemFromError } from './errors';
