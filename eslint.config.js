// One lint configuration for the tree (`npm run lint`): typescript-eslint with type information for
// the TypeScript sources and tests, plain rules with browser globals for the console's scripts, and
// Node globals for the few CommonJS/JS files (Node-RED nodes, the bin, the worker boot).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'test-artifacts/', '**/vendor/', '**/*.min.js'] },
  js.configs.recommended,
  {
    rules: {
      // `let x; … closures read x …; x = make()`: the late binding is the point (app/service.ts).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // An empty catch says "nothing to do": e.g. storage a browser refuses.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      // A promise nobody awaits loses its error; a promise where a callback is expected is never awaited.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Non-null assertions follow a check the compiler cannot see (noUncheckedIndexedAccess).
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests, benchmarks and their harness read JSON answers of the service; `any` is what they are.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'harness/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The operator console runs in the browser, as ES modules, with no build step.
    files: ['console/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    files: ['bin/**/*.js', 'store/**/*.js', 'eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
);
