// Strict lint for all TypeScript, the recommended rules for the *.mjs scripts, and for TypeScript: type-aware rules (no-floating-promises), import/no-cycle,
// consistent-type-imports, and the one-way layering of server/src.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
// Both come with eslint itself (its own dependencies).
import js from '@eslint/js';
import globals from 'globals';

const DOMAIN_IMPORTS = [
  { regex: '(^|/)transport(/|$)', message: 'domain must not import transport (layers: transport -> domain -> runtime)' },
  { regex: '^@grpc/', message: 'the domain does not speak gRPC; transport maps domain types to the wire' },
  { regex: '^@hyperface/sdk/(gen|proto)(/|$)', message: 'wire types belong to transport; the domain has its own types' },
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'sdk/src/gen/**', '**/*.js', '**/*.cjs', '.gpu/**', 'examples/**/*.ts', 'examples/**/*.js'],
  },
  // Scripts (*.mjs: benches, dev scripts, deploy helpers): the recommended rules without type
  // information (they are not in a tsconfig project), on Node's globals.
  {
    files: ['**/*.mjs'],
    rules: js.configs.recommended.rules,
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: globals.node },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./sdk/tsconfig.json', './server/tsconfig.json', './test/tsconfig.json', './tools/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      // node:test's test()/describe() return promises the runner tracks itself.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      'import/no-cycle': ['error', { maxDepth: 10 }],
    },
  },
  // The three layers of server/src import one way only: transport -> domain -> runtime.
  {
    files: ['server/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: DOMAIN_IMPORTS }],
    },
  },
  {
    // Tests may build fixtures with sharp and the SDK's .npy writer; the domain's code may not.
    files: ['server/src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ...DOMAIN_IMPORTS,
        { regex: '^@hyperface/sdk/npy$', message: 'the .npy codec comes through server/src/util/npy.ts' },
        { regex: '^sharp$', message: 'image encoding belongs to the runtime (runtime/images/codec.ts)' },
      ] }],
    },
  },
  {
    files: ['server/src/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '(^|/)(transport|domain)(/|$)', message: 'runtime must not import domain or transport (layers: transport -> domain -> runtime)' },
        { regex: '^@hyperface/sdk/(gen|proto)(/|$)', message: 'wire types belong to transport; the runtime has its own types' },
      ] }],
    },
  },
);
