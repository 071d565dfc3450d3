import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const serverStack = ['@nestjs/*', 'typeorm', 'bullmq', 'ioredis', 'pg', 'better-sqlite3', 'express'];

export default [
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'libs/contracts/src/generated/**',
      '**/*.js',
      '**/*.mjs',
      '.nx/**',
      'tmp/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // The agent and everything it runs: no server stack.
            {
              sourceTag: 'scope:agent',
              onlyDependOnLibsWithTags: ['scope:agent', 'scope:shared'],
              bannedExternalImports: serverStack,
            },
            {
              sourceTag: 'scope:shared',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: serverStack,
            },
            {
              sourceTag: 'scope:controller',
              onlyDependOnLibsWithTags: ['scope:controller', 'scope:shared'],
            },
            { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared', 'scope:e2e'] },
          ],
        },
      ],
    },
  },
  // Issue 13: the controller's data access lives in repositories (and the database/ layer). A
  // service opens units of work with TransactionService.run and calls repositories; it never
  // takes, passes or injects an EntityManager or a DataSource.
  {
    files: ['apps/controller/src/**/*.ts'],
    ignores: [
      'apps/controller/src/**/*.repository.ts',
      'apps/controller/src/database/**',
      'apps/controller/src/health/**',
      'apps/controller/src/**/*.spec.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'typeorm',
              importNames: ['EntityManager', 'DataSource', 'QueryRunner'],
              message:
                'Data access belongs in a repository (*.repository.ts) on TransactionService.manager; services call repositories.',
            },
            {
              name: '@nestjs/typeorm',
              importNames: ['InjectEntityManager', 'InjectDataSource'],
              message:
                'Data access belongs in a repository (*.repository.ts) on TransactionService.manager; services call repositories.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/controller/src/**/*.service.ts'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
];
