// Shared jest settings: @swc/jest with decorator metadata (NestJS DI needs it).
const path = require('path');
const tsPaths = require('./tsconfig.base.json').compilerOptions.paths;

const moduleNameMapper = {};
for (const [name, [target]] of Object.entries(tsPaths)) {
  moduleNameMapper[`^${name}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['**/?(*.)+(spec|test).ts'],
  // Tests and hooks that start real controllers, databases and processes: the default 5 s is
  // exceeded on a loaded two-core machine (a hook timing out fails a whole file). A spec that
  // needs longer says so itself.
  testTimeout: 60_000,
};
