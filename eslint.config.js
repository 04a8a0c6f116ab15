// Lint and architecture rules. The import rules encode the shape in README "How it works":
// the pure core (rules/, the parsers in intake/) does no I/O; only the HTTP edge knows express;
// production code never reaches into the development-only parts (sandbox/, chaos/, bench/, fakes);
// and no module imports itself back through a cycle.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Packages and Node modules that do I/O: the pure core must not import them. */
const IO_MODULES = [
  'express',
  'bullmq',
  'ioredis',
  'pino',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:https',
  'node:net',
  'node:child_process',
];

/** The pure core: decisions from data, no I/O (the one file that reads mapping files is named load-*). */
const PURE = ['src/rules/**/*.ts', 'src/intake/**/*.ts'];
const PURE_EXCEPTIONS = ['src/rules/load-*.ts', 'src/intake/enqueue-events.ts', '**/*.test.ts'];

/** Development-only code; production code never imports it. */
const DEV_ONLY = ['src/sandbox', 'src/chaos', 'bench', 'test'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Production code: never the development-only parts, never a fake.
    files: ['src/**/*.ts'],
    ignores: ['src/sandbox/**', 'src/chaos/**', 'src/**/*.test.ts', 'src/**/fake-*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...DEV_ONLY.map((from) => ({
              target: './src',
              from: `./${from}`,
              message: 'production code does not import development-only code',
            })),
            { target: './src', from: './src/**/fake-*.ts', message: 'fakes are for tests' },
            { target: './src', from: './src/main.ts', message: 'nothing imports the process entry' },
            {
              // The Koppeltaal route builds on the invitation job, not the other way round: the job
              // gets the KT2Task writer as a dependency, so decision-aids works without a store.
              target: './src/decision-aids',
              from: './src/koppeltaal',
              message: 'decision-aids does not import koppeltaal: pass the writer in (InvitationJobDeps.koppeltaal)',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the HTTP edge (and the development stand-ins) knows express.
    files: ['src/**/*.ts'],
    ignores: ['src/http/**', 'src/sandbox/**', 'src/chaos/**', 'src/start-service.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'express', message: 'capabilities never import express: routes live in src/http/' }] },
      ],
    },
  },
  {
    files: PURE,
    ignores: PURE_EXCEPTIONS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({
            name,
            message: 'the pure core does no I/O: take what it needs as arguments',
          })),
          patterns: [
            {
              group: [
                '../epd/*',
                '../queue/*',
                '../http/*',
                '../polling/*',
                '../gaps/*',
                '../events/*',
                '../decision-aids/*',
                '../pro/*',
                '../kpi/*',
                '../audit/*',
                '../cli/*',
                '../terminology/*',
                '../shared/logger.js',
                '../shared/metrics.js',
              ],
              message: 'the pure core depends on nothing outside it but shared types and helpers',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'the pure core does no I/O' }],
    },
  },
  {
    // Tests and development tools may print and use the shortcuts tests need.
    files: [
      '**/*.test.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'src/sandbox/**/*.ts',
      'src/chaos/**/*.ts',
      'src/cli/**/*.ts',
    ],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
