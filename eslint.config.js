// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['api/src/generated/**', 'api/test/fixtures/**', 'docs/**', 'web/dist/**', 'node_modules/**', 'bench/results/**', '.data/**',
    // The service worker is plain JavaScript served as is (no build, no types); web/e2e/push.e2e.test.ts runs it.
    'web/public/sw.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A promise nobody awaits hides its failure.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // `const { dropped, ...kept } = value` names what it leaves out.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // On the server Node ends the process on an unhandled rejection; in the browser one is lost
    // in the console with nothing to say whose work it was. Not even `void` lets one through.
    // Work nobody waits for goes through `Background` (api/src/lib/background.ts) on the server
    // and `background` (web/src/lib/background.ts) in the web client.
    files: ['api/**', 'bench/**', 'web/**'],
    rules: { '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }] },
  },
  {
    // Tests read loosely typed JSON responses.
    files: ['api/test/**', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
